#!/usr/bin/env bash
# The main job, end to end, on the embedded default database (SQLite), in a throw-away
# ASSETCTL_HOME under demo-output/. It grows with each capability of assetctl.
#   ./scripts/demo.sh           everything from scratch
#   ./scripts/demo.sh --quick   keep the image an earlier run built (its profile unchanged,
#                               `image build` then finds it up to date instead of building it)
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
case "${1:-}" in
    --quick) QUICK=1 ;;
    "") ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac
scripts/setup.sh
scripts/start-cups.sh || echo "demo: no CUPS here; labels go to PDF files only" >&2
export PATH="$PWD/.venv/bin:$PATH"
export ASSETCTL_HOME="$PWD/demo-output/home"
export ASSETCTL_OPERATOR="demo-technicien"
unset ASSETCTL_DATABASE_URL
KEPT=""
if [ "$QUICK" = 1 ] && [ -d demo-output/home/images ]; then
    KEPT=$(mktemp -d)
    mv demo-output/home/images "$KEPT/images"
fi
rm -rf demo-output && mkdir -p demo-output

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
show() { printf '$ %s\n' "$*" >&2; "$@"; }
expect_failure() {
    printf '$ %s   (expected to be refused)\n' "$*" >&2
    if "$@"; then echo "demo: this should have been refused" >&2; exit 1; fi
}

step "1. Set up: configuration and database (SQLite in $ASSETCTL_HOME)"
ADMIN="env ASSETCTL_OPERATOR=admin.dsi"   # who creates the database is its first admin
show $ADMIN assetctl init --organisation "Le Mans Métropole" --tag-prefix LMM \
    --support-phone "02 43 00 00 00" --budget-total 263000 --budget-equipment 248000
show assetctl config show
if [ -n "$KEPT" ]; then   # --quick: the earlier run's images, checked against their profiles
    mv "$KEPT/images" "$ASSETCTL_HOME/images" && rmdir "$KEPT"
fi
# The programme's key: personal data is sealed with its public half (in the database); its
# private half is a file the caseworkers keep, locked by a passphrase (here from the
# environment; typed in a terminal otherwise). The bench needs no passphrase.
export ASSETCTL_KEY_FILE="$PWD/demo-output/cle-programme/programme.key"
KEY_PASSPHRASE="ASSETCTL_KEY_PASSPHRASE=demo-phrase-de-passe-du-programme"
show env "$KEY_PASSPHRASE" ASSETCTL_OPERATOR=admin.dsi assetctl key init
show assetctl key show

step "2. Register a delivery from a spreadsheet (CSV ; Windows-1252, French dates and prices)"
show assetctl asset import examples/arrivage.csv --dry-run
show assetctl asset import examples/arrivage.csv
expect_failure assetctl asset import examples/arrivage.csv

step "3. Register one more device by hand, with its disk"
show assetctl asset add --kind desktop --origin refurbished --manufacturer "HP" \
    --model "Compaq Elite 8300" --serial CZC3300XYZ --acquired 2013-04-18 \
    --former-inventory INV-2013-0560 --cpu "Core i5-3470" --ram 8G \
    --disk "model=ST500DM002,serial=Z3T1ABCD,size=500G,type=hdd"

# a city desktop retired from the fleet and not taken into the programme: the reuse declaration
# counts it in the retired stock (`report reuse`)
show assetctl asset add --kind desktop --origin refurbished --manufacturer Dell \
    --model "OptiPlex 3020" --serial 4MNP9Q2 --acquired 2016-05-10 --retired-on 2025-06-30 \
    --disposal recycled --disposal-note "Bordereau de reprise Ecosystem n° 2026-0118"

step "4. Find devices: by tag in any case, by filter, as JSON or CSV"
show assetctl asset list
show assetctl asset list --kind laptop --json
show assetctl asset show lmm-pc-00005

step "5. Print the QR labels of the delivery (A4 sheet of Avery L7160, and a label printer roll)"
show assetctl label layouts
show assetctl label print --status received --layout avery-l7160 -o demo-output/etiquettes-l7160.pdf
show assetctl label print LMM-PP-00001 LMM-PP-00002 --layout brother-ql-dk11209 \
    -o demo-output/etiquettes-ql.pdf
if lpstat -p assetctl-pdf >/dev/null 2>&1; then
    show assetctl label print LMM-IM-00001 --layout dymo-11354 --printer assetctl-pdf
fi
show assetctl label reserve --count 3 --kind desktop -o demo-output/etiquettes-reservees.pdf
python3 - demo-output/etiquettes-l7160.pdf <<'PY'
# Read the labels back with a real QR reader, as a scanner would.
import sys, pypdfium2, zxingcpp
document = pypdfium2.PdfDocument(sys.argv[1])
codes = [b.text for page in document
         for b in zxingcpp.read_barcodes(page.render(scale=150 / 72).to_pil())]
print(f"{sys.argv[1]}: {len(codes)} QR codes read back: {', '.join(sorted(codes))}", file=sys.stderr)
PY

step "6. The scanning station: a USB scanner's codes (tags, serials, junk, wrong keyboard layout)"
# (the command exits 1 at the end because some codes were not taken; the station went on)
printf '%s\n' "lmm-pc-00001" "  7XK3Q2J " "LMM-PC-00009" "L??)PP)àààà&" "LMM-PC-00006" \
    | expect_failure assetctl scan
printf '%s\n' "LMM-PC-00001" "LMM-PC-00002" "LMM-IM-00001" | \
    show assetctl scan --mode checkin --location storage
printf '%s\n' "LMM-PC-00001" "LMM-PP-00001" "INCONNU-42" | \
    expect_failure assetctl scan --mode audit --location storage
show assetctl audit list

step "7. The lifecycle rules: no family without a wipe and an image since it came back"
expect_failure assetctl asset status LMM-PC-00001 ready --reason "skip the bench"
expect_failure assetctl asset status LMM-PC-00001 wiped --reason "trust me"
show assetctl asset edit LMM-PC-00002 --location storage --notes "clavier manquant, en attente"
show assetctl asset status LMM-PC-00004 repair --reason "ne démarre pas"
show assetctl asset retire LMM-PC-00004 --reason spare-parts --note "carte mère HS"
show assetctl asset show LMM-PC-00004

step "8. The bench, simulated on this computer: a machine booted on the live system"
# An SSH server on 127.0.0.1 stands for the machine's live system, a loop device full of old
# data for its disk, and the DMI table of a real Dell Latitude 5420 (captured) for its identity.
eval "$(python3 scripts/bench_sim.py start demo-output/bench)"
trap 'python3 scripts/bench_sim.py stop demo-output/bench' EXIT
python3 - "$ASSETCTL_HOME/config.toml" "$SIM_KEY" "$SIM_SYSFS" <<'PY'
import sys
path, key, sysfs = sys.argv[1:]
text = open(path, encoding="utf-8").read()
text = text.replace('ssh_key = "bench/id_ed25519"', f'ssh_key = "{key}"')
text = text.replace("timeout = 10\n", f'timeout = 10\n\n[bench.remote_env]\nASSETCTL_FACTS_ROOT = "{sysfs}"\n')
open(path, "w", encoding="utf-8").write(text)
PY
show assetctl bench discover "$SIM_HOST" --kind laptop
show assetctl bench wipe LMM-PP-00003 --host "$SIM_HOST" --disk "$SIM_DISK" --yes
python3 -c "import sys; d=open(sys.argv[1],'rb').read(64 << 20); print(f'old data region of the disk: {d.count(0)/len(d):.0%} zeros after the wipe', file=sys.stderr)" "$SIM_IMAGE"
show assetctl wipe list
# the validation (NIST SP 800-88 Rev. 2): accepted by the DSI's asset manager, not the technician
expect_failure assetctl wipe validate LMM-PP-00003
show $ADMIN assetctl wipe validate LMM-PP-00003
show assetctl wipe certificate LMM-PP-00003 -o demo-output/certificat-effacement.pdf
show assetctl wipe policy -o demo-output/politique-effacement.pdf   # for an auditor
show assetctl wipe summary -o demo-output/releve-effacements.pdf   # the day's batch of wipes
show assetctl asset show LMM-PP-00003
expect_failure assetctl asset status LMM-PP-00003 ready --reason "not imaged yet"

step "9. Family-ready images: build one from its profile, deploy it onto the machine, verify it"
show assetctl image profiles
show assetctl image show famille-college
# The family profiles install a desktop and its software (gigabytes, the better part of an
# hour on this machine); the demo builds the small test profile, which has the same accounts
# and parental settings. The debootstrapped base is cached between runs.
export ASSETCTL_IMAGE_CACHE="${ASSETCTL_IMAGE_CACHE:-/var/cache/assetctl}"
show assetctl image build test-minimal
show assetctl image build test-minimal        # unchanged profile: not built again
show assetctl image list
show assetctl bench deploy LMM-PP-00003 --host "$SIM_HOST" --disk "$SIM_DISK" \
    --profile test-minimal --yes
show assetctl asset show LMM-PP-00003
show assetctl asset status LMM-IM-00001 ready --reason "réinitialisée (paramètres d'usine)"

step "10. A family: diagnostic, recommendation, committee (personal data for caseworkers only)"
show $ADMIN assetctl user add claire.referente --role caseworker
show $ADMIN assetctl user add demo-technicien --role technician
show $ADMIN assetctl user list
CW="env ASSETCTL_OPERATOR=claire.referente $KEY_PASSPHRASE"
year=$(date +%Y)
REF=$(show $CW assetctl household add --child-name "Lina Martin" --representatives "Sophie Martin" \
    --qpv "bellevue-carnac" --school "Collège Léon Tolstoï" --class 6e --phone "06 12 34 56 78" \
    --address "12 rue des Acacias, 72100 Le Mans" --adults 1 \
    --children "Lina $((year - 12))-03-02; Noé 20/11/$((year - 7))" --computers 0 \
    --printer "en panne" --internet aucun --requested "portable, imprimante" \
    --can-pay partiellement --can-install non --training oui)
echo "household: $REF" >&2
show $CW assetctl household show "$REF"
show assetctl household show "$REF"      # the technician sees the reference and the facts
# what the database file holds of this family: a sealed box, unreadable without the key file
show sqlite3 "$ASSETCTL_HOME/assetctl.db" \
    "SELECT household_id, substr(sealed, 1, 60) || '...' FROM household_personal"
expect_failure env ASSETCTL_OPERATOR=claire.referente ASSETCTL_KEY_FILE=/nonexistent \
    assetctl household show "$REF"       # a caseworker without the key file reads nothing
expect_failure assetctl household export "$REF"
show $CW assetctl household recommend "$REF"
SESSION=$(show $CW assetctl committee open --date "$(date +%F)" --member "Adjointe au maire" \
    --member "Délégué du préfet" --member "DDETS" --place "Hôtel de ville")
show $CW assetctl committee agenda
expect_failure $CW assetctl committee decide "$SESSION" "$REF" approved --criterion 1
show $CW assetctl committee decide "$SESSION" "$REF" approved --mode location --fee 5 \
    --programme-share 3 --criterion 1 --criterion 2 --criterion 3 --criterion 4

step "11. Allocation, the contract, the handover (devices move only through contracts)"
expect_failure assetctl asset status LMM-PP-00003 allocated --reason "skip the contract"
CONTRACT=$(show assetctl allocate "$REF" --tag LMM-PP-00003 --internet social-tariff)
show assetctl contract delivery "$CONTRACT" --at home --date "$(date +%F)" --staff "Théo" \
    --installation
# printed once the delivery is planned, so that it says when and where; signed at the handover
show $CW assetctl contract print "$CONTRACT" -o demo-output/contrat.pdf
show assetctl contract sign "$CONTRACT"
# the family's copy of what the programme holds on it, now that it has a contract
show $CW assetctl household export "$REF" -o demo-output/export-rgpd.json
show assetctl contract list --status active
show $CW assetctl contract list --due-within 400d --contacts --csv
show $CW assetctl contract renew "$CONTRACT"

step "12. The return desk: the laptop comes back (scanned), the printer stays; no re-allocation"
printf '%s\n' "LMM-PP-00003" | show assetctl scan --mode return --condition ok
show assetctl contract show "$CONTRACT"
REF2=$(show $CW assetctl household add --representatives "Nadia Dupont" --qpv Epine \
    --school "Collège Jean de l'Epine" --children "Yanis $((year - 11))-01-15" \
    --internet abonnement --printer fonctionne --computers 0)
show $CW assetctl household recommend "$REF2"
show $CW assetctl committee decide "$SESSION" "$REF2" approved --mode prêt --term 6 \
    --criterion 1 --criterion 2 --criterion 3 --criterion 4
expect_failure assetctl allocate "$REF2" --tag LMM-PP-00003   # not wiped since it came back
# the minutes, once the session has decided on every household on its agenda
show $CW assetctl committee minutes "$SESSION" -o demo-output/pv-commission.pdf

step "13. Reports: material counts by type, the programme's indicators, costs, a PDF"
show assetctl report counts --by kind,status
show assetctl report counts --by kind,origin --csv
show $CW assetctl report targets import examples/recensement-2020-05.csv
show assetctl report indicators
show assetctl report costs
show assetctl report bench
show assetctl report counts --by kind,status,location --xlsx -o demo-output/parc.xlsx
show assetctl report pdf -o demo-output/rapport-programme.pdf
show assetctl report reuse --year 2026   # the REEN ratio and the AGEC share of the year
show assetctl report reuse --year 2026 -o demo-output/reemploi-2026.pdf

step "14. Export the inventory for a spreadsheet"
show assetctl asset list --csv > demo-output/inventaire.csv
show assetctl asset list --status received --kind desktop

step "15. Every document as images, for review"
show .venv/bin/python scripts/gallery.py demo-output

echo >&2
echo "demo: done. Database: $ASSETCTL_HOME/assetctl.db; inventory CSV: demo-output/inventaire.csv;" >&2
echo "      labels: demo-output/etiquettes-*.pdf; certificate: demo-output/certificat-effacement.pdf;" >&2
echo "      the day's wipes: demo-output/releve-effacements.pdf; all pages: demo-output/galerie/index.html;" >&2
echo "      sanitisation policy: demo-output/politique-effacement.pdf; reuse: demo-output/reemploi-2026.pdf;" >&2
echo "      committee minutes: demo-output/pv-commission.pdf; GDPR export: demo-output/export-rgpd.json;" >&2
echo "      contract: demo-output/contrat.pdf; reports: demo-output/rapport-programme.pdf, demo-output/parc.xlsx" >&2
