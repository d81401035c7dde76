#!/usr/bin/env bash
# Merge the pages' English translations (src/riskpool/web/locale_fragments/*.po, one per area) into the
# catalogue Django reads (src/riskpool/locale/en/LC_MESSAGES/django.po) and compile it (.mo, committed, so an
# installation needs no gettext tools). The source language is Chinese (zh-hans): its strings are the msgids.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/riskpool/locale/en/LC_MESSAGES
mkdir -p "$out"
{
  printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'
  msgcat --use-first --no-location --sort-output src/riskpool/web/locale_fragments/*.po | sed '1,/^$/d'
} > "$out/django.po"
msgfmt --check-format -o "$out/django.mo" "$out/django.po"
echo "$(grep -c '^msgid "' "$out/django.po") messages → $out/django.mo"
