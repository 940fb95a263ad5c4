"""Writes one small upload per validation code into tests/data/validation/.

Run from the repo root: ``python tests/data/make_validation_fixtures.py``. The files
are committed; test_validate_fixtures.py says which finding each must produce, where.
Workbooks are written with openpyxl (as a user's tool would), CSVs as Excel-in-Spanish
writes them where that is the point.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).with_name("validation")
P_HEAD = ["country", "period", "module", "stage", "coverage_pct", "trained_staff", "notes"]
C_HEAD = ["country", "period", "module", "category", "severity", "status", "description"]
R_HEAD = ["country", "period", "module", "title", "description", "url"]
GOOD = [["PER", "2024", "HEALTH", 2, 40, 120, ""], ["PER", "2024", "JUSTICE", 1, "", "", ""]]
K_HEAD = [
    "country",
    "period",
    "module",
    "activity",
    "kind",
    "institution_type",
    "participants_total",
    "participants_women",
    "participants_men",
    "completed",
    "notes",
]
K_HEAD_ES = [
    "país",
    "periodo",
    "módulo",
    "actividad",
    "tipo",
    "tipo_institución",
    "participantes_total",
    "participantes_mujeres",
    "participantes_hombres",
    "completaron",
    "notas",
]
K_GOOD = ["HND", "2024", "CROSS", "Curso virtual", "COURSE", "GOVERNMENT", 50, 30, 15, 40, ""]


def xlsx(name: str, sheets: dict[str, list[list]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(OUT / name)


def csv(name: str, text: str, encoding: str = "utf-8") -> None:
    (OUT / name).write_bytes(text.encode(encoding))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    xlsx("no_known_sheet.xlsx", {"Hoja1": [["a", "b"], [1, 2]]})
    xlsx("no_rows.xlsx", {"progress": [P_HEAD]})
    xlsx("missing_column.xlsx", {"avance": [["país", "periodo", "módulo"], ["PER", "2024", "Salud"]]})
    xlsx("duplicate_column.xlsx", {"progress": [P_HEAD + ["Stage"], GOOD[0] + [3]]})
    xlsx("required.xlsx", {"progress": [P_HEAD, GOOD[0], ["PER", "2024", "SOCIAL", None, 5, 1, ""]]})
    xlsx("unknown_country.xlsx", {"progress": [P_HEAD, GOOD[0], ["Brasil", "2024", "HEALTH", 1, "", "", ""]]})
    xlsx("bad_period.xlsx", {"progress": [P_HEAD, ["PER", "2024-Q7", "HEALTH", 1, "", "", ""]]})
    xlsx("future_period.xlsx", {"progress": [P_HEAD, GOOD[0], ["PER", "2099", "HEALTH", 1, "", "", ""]]})
    xlsx("unknown_module.xlsx", {"progress": [P_HEAD, ["PER", "2024", "Educación", 1, "", "", ""]]})
    xlsx(
        "bad_stage.xlsx",
        {
            "avance": [
                ["país", "periodo", "módulo", "etapa"],
                ["PER", "2024", "Salud", 2],
                ["PER", "2024", "Justicia", "avanzado"],
            ]
        },
    )
    xlsx("out_of_range.xlsx", {"progress": [P_HEAD, ["PER", "2024", "HEALTH", 2, 140, 3, ""]]})
    xlsx("not_integer.xlsx", {"progress": [P_HEAD, ["PER", "2024", "HEALTH", 2, 50, 12.5, ""]]})
    xlsx("too_long.xlsx", {"progress": [P_HEAD, ["PER", "2024", "HEALTH", 2, 50, 3, "x" * 2001]]})
    xlsx(
        "bad_url.xlsx",
        {"practices": [R_HEAD, ["PER", "2024", "HEALTH", "Protocolo", "Texto", "javascript:alert(1)"]]},
    )
    xlsx(
        "duplicate_row.xlsx",
        {"progress": [P_HEAD, GOOD[0], GOOD[1], ["Perú", "2024", "Salud", 3, "", "", ""]]},
    )
    xlsx(
        "unknown_category.xlsx",
        {"challenges": [C_HEAD, ["PER", "2024", "CROSS", "Clima", "HIGH", "OPEN", "d"]]},
    )
    xlsx(
        "unknown_severity.xlsx",
        {"challenges": [C_HEAD, ["PER", "2024", "HEALTH", "DATA", "Urgente", "", "d"]]},
    )
    xlsx(
        "unknown_status.xlsx",
        {"challenges": [C_HEAD, ["PER", "2024", "HEALTH", "DATA", "LOW", "Cerrado", "d"]]},
    )
    xlsx("unknown_sheet.xlsx", {"progress": [P_HEAD, GOOD[0]], "notas internas": [["x"], ["y"]]})
    xlsx("before_membership.xlsx", {"progress": [P_HEAD, ["TTO", "2017", "HEALTH", 1, "", "", ""]]})
    xlsx(
        "unknown_kind.xlsx",
        {
            "capacity": [
                K_HEAD,
                K_GOOD,
                ["HND", "2024", "HEALTH", "Congreso", "Conferencia", "CSO", 12, "", "", "", ""],
            ]
        },
    )
    xlsx(
        "unknown_institution_type.xlsx",
        {
            "capacidades": [
                K_HEAD_ES,
                [
                    "Honduras",
                    "2024",
                    "Salud",
                    "Taller de protocolos",
                    "Taller",
                    "Universidad",
                    20,
                    12,
                    8,
                    "",
                    "",
                ],
            ]
        },
    )
    xlsx(
        "participants_mismatch.xlsx",
        {
            "capacity": [
                K_HEAD,
                ["HND", "2024", "CROSS", "Curso virtual", "COURSE", "GOVERNMENT", 50, 30, 25, 40, ""],
                ["HND", "2024", "CROSS", "Curso virtual", "COURSE", "CSO", 40, "", "", 41, ""],
                K_GOOD[:5] + ["UNFPA", 4, "", "", "", ""],
            ]
        },
    )
    xlsx(
        "unknown_country_adopted_from.xlsx",
        {
            "practices": [
                R_HEAD + ["adopted_from", "replicable"],
                [
                    "HND",
                    "2024",
                    "JUSTICE",
                    "Fiscalías especializadas",
                    "Texto",
                    "",
                    "Guatemala; Brasil",
                    "sí",
                ],
            ]
        },
    )
    xlsx(
        "bad_yes_no.xlsx",
        {
            "prácticas": [
                ["país", "periodo", "módulo", "título", "descripción", "enlace", "adoptada_de", "replicable"],
                ["HND", "2024", "JUSTICE", "Fiscalías especializadas", "Texto", "", "GTM", "quizás"],
            ]
        },
    )
    xlsx("invisible_character.xlsx", {"progress": [P_HEAD, ["PER\u200b", "2024", "HEALTH", 1, "", "", ""]]})
    # Excel in Spanish: semicolons, Windows-1252, decimal commas, Spanish headers and labels.
    csv(
        "spanish_excel.csv",
        "país;periodo;módulo;etapa;cobertura_pct;personal_capacitado;notas\r\n"
        "Perú;2024;Salud;3 Piloto;45,5;120;Protocolo aprobado\r\n"
        "Perú;2024;Servicios judiciales y policiales;2;30%;80;\r\n"
        "Perú;2024;Coordinación;1;;;N/A\r\n",
        "cp1252",
    )
    csv(
        "utf8_bom_challenges.csv",
        "\ufeffcountry,period,module,category,severity,status,description\n"
        'GTM,2024-S1,CROSS,FINANCING,HIGH,,"Presupuesto insuficiente, sin ""fondos"""\n',
        "utf-8",
    )


if __name__ == "__main__":
    main()
