#!/usr/bin/env bash
# The what-if (B2) on a demo configuration: a reception IVR with business hours, a
# sales menu, a ring-all group and a sequential group, written with the CLI into a
# scratch SQLite file, then a generated day of 10,000 callers through it on a virtual
# clock. Usage: Examples/what-if/demo.sh [BIN_DIR] [DAY]   (BIN_DIR defaults to the debug build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-$(swift build --show-bin-path)}"
DAY="${2:-2026-12-07}"
DB="$(mktemp -d)/what-if.sqlite"
t() { "$BIN/telefonia" --db "$DB" "$@" >/dev/null; }
t tenant add acme --domain acme.example --name "Acme Ltda"
for ext in 201 202 203 204 205; do t line add "$ext" --tenant acme --password "senha$ext"; done
t schedule set acme comercial --weekdays 08:00-12:00,13:00-18:00 --sat 08:00-12:00 --holiday 2026-12-25
t group set acme vendas --members 202,203
t group set acme suporte --members 204,205 --strategy sequential --member-ring-time 10 --no-answer line:201
t ivr set acme 3 --name Plantao --greeting plantao --option 1=line:201 --option T=hangup
t ivr set acme 1 --name Recepcao   # replaced below, once menu 2 (which leads back to it) exists
t ivr set acme 2 --name Vendas --greeting vendas --option 1=group:vendas --option 2=line:203 --option '*=menu:1'
t ivr set acme 1 --name Recepcao --greeting bem-vindo --schedule comercial --after-hours-audio fora-do-horario \
    --after-hours menu:3 --direct-dial --option 1=menu:2 --option 2=group:suporte --option 0=line:201 --option 9=hangup
"$BIN/telefonia-sim" --tenant acme --db "$DB" --day "$DAY" --calls 10000 --seed 1
rm -f "$DB"
