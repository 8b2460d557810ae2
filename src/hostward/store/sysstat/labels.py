"""sar's translated "Average:" labels (sysstat's nls/*.po), needed both to print reports in the user's
locale and to recognise them when importing sar text written in another one."""

from __future__ import annotations

# msgstr of "Average:" in sysstat 12.6.1's translations (po/*.po), keyed by the LC_MESSAGES language.
AVERAGE_LABELS: dict[str, str] = {
    "af": "Gemideld:",
    "cs": "Průměr:",
    "da": "Middel:",
    "de": "Durchschn.:",
    "eo": "Meznombro:",
    "es": "Media:",
    "eu": "Batezbestekoa:",
    "fi": "Keskiarvo:",
    "fr": "Moyenne\u202f:",
    "fur": "Medie:",
    "gl": "Media:",
    "hr": "Prosjek:",
    "hu": "Átlag:",
    "id": "Rata-rata:",
    "it": "Media:",
    "ja": "平均値:",
    "ko": "평균값:",
    "ky": "Орточо:",
    "lv": "Vidēji:",
    "mt": "Medja:",
    "nb": "Gj.snitt:",
    "nl": "Gemiddeld:",
    "nn": "Gj.snitt:",
    "pl": "Średnia:",
    "pt": "Média:",
    "pt_BR": "Média:",
    "ro": "Media:",
    "ru": "Среднее:",
    "sk": "Priemer:",
    "sr": "Просек:",
    "sv": "Genomsnitt:",
    "tr": "Ortalama:",
    "uk": "Середнє:",
    "vi": "Trung bình:",
    "zh_CN": "平均时间:",
    "zh_TW": "平均時間：",
}

# msgstr of "Summary:" (sar -F's last block) in the same translations; the others print it in English.
SUMMARY_LABELS: dict[str, str] = {
    "cs": "Souhrn:", "da": "Resume:", "de": "Zusammenfassung:", "eo": "Resumo:", "es": "Resumen:",
    "fi": "Yhteenveto:", "fr": "Résumé:", "fur": "Sintesi:", "hr": "Sažetak:", "hu": "Összegzés:",
    "id": "Ringkasan:", "it": "Sommario:", "ja": "サマリ:", "ko": "요약:", "nb": "Sammendrag:",
    "nl": "Samenvatting:", "pl": "Podsumowanie:", "pt": "Resumo:", "pt_BR": "Sumário:", "ro": "Rezumat:",
    "ru": "Сводка:", "sk": "Súhrn:", "sr": "Сажетак:", "sv": "Sammanfattning:", "tr": "Özet:",
    "uk": "Резюме:", "vi": "Tổng kết:", "zh_CN": "总计:",
}  # fmt: skip
