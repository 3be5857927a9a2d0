#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh into a fresh, empty PostgreSQL database
# and an empty uploads folder, then check the copy (manage.py check_restore).
#
#   DATABASE_URL=postgres://cosa:…@db/cosa_restored COSA_BACKUP_PASSPHRASE_FILE=… \
#       ops/restore.sh ARCHIVE            # or: make restore ARCHIVE=…
#
# DATABASE_URL names the target: it must exist and hold no tables (CREATE DATABASE
# cosa_restored OWNER cosa), and is connected to as the role that will own the tables
# (pg_restore --no-owner). Set DATABASE_APP_ROLE to the application's role to grant it
# its privileges afterwards (manage.py grant_app_role) and to have check_restore show
# TRUNCATE refused to it. The uploads go to DJANGO_MEDIA_ROOT (else $COSA_VAR_DIR/media,
# else var/media), which must be empty or absent. README "Backup and restore".
set -euo pipefail

die() { printf 'restore: ERROR: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARCHIVE="${1:-}"
MEDIA_ROOT="${DJANGO_MEDIA_ROOT:-${COSA_VAR_DIR:-$REPO_ROOT/var}/media}"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"

[[ -n "$ARCHIVE" && -r "$ARCHIVE" ]] || die "usage: ops/restore.sh ARCHIVE (a readable cosa-backup-*.tar.gpg)"
[[ "${DATABASE_URL:-}" == postgres* ]] || die "set DATABASE_URL to the fresh PostgreSQL database to restore into"
command -v pg_restore >/dev/null || die "pg_restore is not installed (apt-get install postgresql-client)"
if [[ -n "${COSA_BACKUP_PASSPHRASE_FILE:-}" ]]; then
    [[ -r "$COSA_BACKUP_PASSPHRASE_FILE" ]] || die "cannot read COSA_BACKUP_PASSPHRASE_FILE"
    exec 3<"$COSA_BACKUP_PASSPHRASE_FILE"
elif [[ -n "${COSA_BACKUP_PASSPHRASE:-}" ]]; then
    exec 3<<<"$COSA_BACKUP_PASSPHRASE"
else
    die "set COSA_BACKUP_PASSPHRASE_FILE (or COSA_BACKUP_PASSPHRASE) to the backup passphrase"
fi

tables="$(psql "$DATABASE_URL" -X -tA -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" ||
    die "cannot connect to the target database"
[[ "$tables" == 0 ]] || die "the target database already has $tables tables: restore only into a fresh one"
if [[ -d "$MEDIA_ROOT" ]] && [[ -n "$(ls -A "$MEDIA_ROOT")" ]]; then
    die "the uploads folder $MEDIA_ROOT is not empty"
fi

umask 077
WORK="$(mktemp -d -t cosa-restore.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export GNUPGHOME="$WORK/gnupg"
mkdir -p "$GNUPGHOME" "$WORK/archive"
gpg --batch --quiet --pinentry-mode loopback --passphrase-fd 3 --decrypt "$ARCHIVE" |
    tar -C "$WORK/archive" -xf - ||
    die "could not decrypt $ARCHIVE (wrong passphrase, or not a backup)"
exec 3<&-
(cd "$WORK/archive" && tail -n +3 MANIFEST | sha256sum --check --quiet) ||
    die "the archive's contents do not match its manifest"
echo "restore: $(head -n 1 "$WORK/archive/MANIFEST"), $(sed -n 2p "$WORK/archive/MANIFEST")"

pg_restore --exit-on-error --no-owner --no-privileges --dbname="$DATABASE_URL" \
    "$WORK/archive/database.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xf "$WORK/archive/media.tar"
echo "restore: database and $(find "$MEDIA_ROOT" -type f | wc -l) uploaded files restored"

cd "$REPO_ROOT"
check_args=()
if [[ -n "${DATABASE_APP_ROLE:-}" ]]; then
    "$PYTHON" manage.py grant_app_role "$DATABASE_APP_ROLE"
    check_args+=(--app-role "$DATABASE_APP_ROLE")
fi
"$PYTHON" manage.py check_restore "${check_args[@]}"
