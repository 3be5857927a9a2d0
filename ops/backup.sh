#!/usr/bin/env bash
# Back up the service: the PostgreSQL database (pg_dump -Fc) and the uploads folder
# (MEDIA_ROOT), in one archive encrypted with a passphrase (gpg --symmetric, AES-256).
#
#   DATABASE_URL=postgres://cosa:…@db/cosa COSA_BACKUP_PASSPHRASE_FILE=/root/backup.pass \
#       ops/backup.sh [OUT_DIR]          # or: make backup BACKUP_DIR=…
#
# The passphrase comes from the file in COSA_BACKUP_PASSPHRASE_FILE (preferred) or the
# variable COSA_BACKUP_PASSPHRASE; it is never written to disk by this script, and must
# never be kept in the repository or beside the backups. The uploads folder is
# DJANGO_MEDIA_ROOT, else $COSA_VAR_DIR/media, else var/media (as cosa/settings.py).
# Prints the archive's path. README "Backup and restore".
set -euo pipefail

die() { printf 'backup: ERROR: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${1:-${BACKUP_DIR:-$REPO_ROOT/var/backups}}"
MEDIA_ROOT="${DJANGO_MEDIA_ROOT:-${COSA_VAR_DIR:-$REPO_ROOT/var}/media}"

[[ "${DATABASE_URL:-}" == postgres* ]] || die "set DATABASE_URL to the PostgreSQL database to back up"
command -v pg_dump >/dev/null || die "pg_dump is not installed (apt-get install postgresql-client)"
command -v gpg >/dev/null || die "gpg is not installed (apt-get install gnupg)"
if [[ -n "${COSA_BACKUP_PASSPHRASE_FILE:-}" ]]; then
    [[ -r "$COSA_BACKUP_PASSPHRASE_FILE" ]] || die "cannot read COSA_BACKUP_PASSPHRASE_FILE"
    exec 3<"$COSA_BACKUP_PASSPHRASE_FILE"
elif [[ -n "${COSA_BACKUP_PASSPHRASE:-}" ]]; then
    exec 3<<<"$COSA_BACKUP_PASSPHRASE"
else
    die "set COSA_BACKUP_PASSPHRASE_FILE (or COSA_BACKUP_PASSPHRASE) to the backup passphrase"
fi

umask 077
WORK="$(mktemp -d -t cosa-backup.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT_DIR"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
ARCHIVE="$OUT_DIR/cosa-backup-$STAMP.tar.gpg"

pg_dump --format=custom --file="$WORK/database.dump" "$DATABASE_URL"
if [[ -d "$MEDIA_ROOT" ]]; then
    tar -C "$MEDIA_ROOT" -cf "$WORK/media.tar" .
else
    tar -cf "$WORK/media.tar" --files-from /dev/null
fi
{
    echo "created $STAMP"
    echo "source $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    (cd "$WORK" && sha256sum database.dump media.tar)
} >"$WORK/MANIFEST"

# A keyring of its own: nothing is read from or written to the operator's.
export GNUPGHOME="$WORK/gnupg"
mkdir -p "$GNUPGHOME"
tar -C "$WORK" -cf - MANIFEST database.dump media.tar |
    gpg --batch --quiet --yes --pinentry-mode loopback --passphrase-fd 3 \
        --symmetric --cipher-algo AES256 --output "$ARCHIVE"
exec 3<&-
echo "$ARCHIVE"
