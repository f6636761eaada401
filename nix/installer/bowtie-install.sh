# bowtie-install: writes the Bowtie Controller's raw-efi image from the installer medium to a
# disk of this machine (docs/decisions/0672). Run by the installer ISO on tty1 and ttyS0
# (nix/installer/default.nix); exit 0 means installed, and the unit then reboots.
#
# Interactive: lists the disks it may write (and those it will not, with the reason), asks for
# a disk's name, shows it, and erases it only when its name is typed again. Unattended: the
# kernel command line names the disk and says erase, both parsed strictly:
#   bowtie.install.disk=/dev/disk/by-id/<id>  bowtie.install.erase=yes
#
# Exit status: 0 installed; 1 refused or failed (nothing written when refused); 2 usage;
# 3 another console ran the install.
#
# Options (the installer's unit sets the first two; the others exist so that the tests can
# hand it files standing in for disks):
#   --payload DIR        controller.img.zst, controller.img.sha256, controller.img.size,
#                        controller.img.disk-id (the image's GPT disk identifier)
#   --boot-label LABEL   the installer medium's volume ID (never offered as a target)
#   --cmdline FILE       the kernel command line (default /proc/cmdline)
#   --devices-json FILE  `lsblk --json --bytes` output to read instead of running lsblk
#   --dev-root DIR       where device nodes are (default /dev); regular files are accepted
#                        as disks only when this is given
#   --lock FILE          held while a disk is written (default /run/bowtie-install.lock)
#   --sys DIR            sysfs (default /sys): firmware/efi says the machine booted with UEFI
set -o errexit -o nounset -o pipefail
shopt -s inherit_errexit
export LC_ALL=C

LSBLK_COLUMNS=NAME,PATH,TYPE,SIZE,RO,RM,MODEL,SERIAL,MOUNTPOINTS,LABEL,FSTYPE,LOG-SEC
# The image's GPT is laid out in 512-byte sectors (nixpkgs' make-disk-image): on a disk with
# another logical sector size its partition table is not found where the disk's firmware and
# kernel look, and the disk would not boot.
IMAGE_SECTOR=512
MAX_LINE=256

payload=''
boot_label=''
cmdline_file=/proc/cmdline
devices_json=''
dev_root=/dev
dev_root_given=no
lock_file=/run/bowtie-install.lock
sys_dir=/sys

say() { printf '%s\n' "$*"; }
fail() {
  say "bowtie-install: $*" >&2
  exit 1
}
usage() {
  say "bowtie-install: $*" >&2
  say 'usage: bowtie-install --payload DIR --boot-label LABEL [--cmdline FILE] [--devices-json FILE] [--dev-root DIR] [--lock FILE] [--sys DIR]' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage "$1 needs a value"
  case "$1" in
    --payload) payload=$2 ;;
    --boot-label) boot_label=$2 ;;
    --cmdline) cmdline_file=$2 ;;
    --devices-json) devices_json=$2 ;;
    --dev-root) dev_root=$2 dev_root_given=yes ;;
    --lock) lock_file=$2 ;;
    --sys) sys_dir=$2 ;;
    *) usage "unknown option $1" ;;
  esac
  shift 2
done
[ -n "$payload" ] || usage '--payload is required'
[ -n "$boot_label" ] || usage '--boot-label is required'

# ---- the image on the medium ----------------------------------------------------------------

image_zst=$payload/controller.img.zst
[ -f "$image_zst" ] || fail "the image is missing from the installer medium ($image_zst)"
image_sha256=$(head -c 100 -- "$payload/controller.img.sha256" 2>/dev/null || true)
image_sha256=${image_sha256%%[[:space:]]*}
[[ $image_sha256 =~ ^[0-9a-f]{64}$ ]] || fail "the image's recorded sha256 on the installer medium is not a sha256"
image_size=$(head -c 40 -- "$payload/controller.img.size" 2>/dev/null || true)
image_size=${image_size%%[[:space:]]*}
[[ $image_size =~ ^[1-9][0-9]{0,15}$ ]] || fail "the image's recorded size on the installer medium is not a size in bytes"
image_disk_id=$(head -c 100 -- "$payload/controller.img.disk-id" 2>/dev/null || true)
image_disk_id=${image_disk_id%%[[:space:]]*}
[[ $image_disk_id =~ ^[0-9A-F-]{1,36}$ ]] || fail "the image's recorded GPT disk identifier on the installer medium is not one"

# ---- the kernel command line ----------------------------------------------------------------

want_disk=''
want_erase=''
unattended=no
read_cmdline() {
  local text token key value
  text=$(head -c 4096 -- "$cmdline_file") || fail "cannot read the kernel command line ($cmdline_file)"
  local -a tokens=()
  read -r -a tokens <<<"$text" || true
  for token in "${tokens[@]}"; do
    case "$token" in
      bowtie.install.* | \"bowtie.install.*) ;;
      *) continue ;;
    esac
    unattended=yes
    [[ $token =~ ^bowtie\.install\.([a-z]+)=(.*)$ ]] ||
      fail "kernel command line: $(printable "$token") is not bowtie.install.<name>=<value>; nothing written"
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    case "$key" in
      disk)
        [ -z "$want_disk" ] || fail 'kernel command line: bowtie.install.disk is given twice; nothing written'
        [ -n "$value" ] || fail 'kernel command line: bowtie.install.disk is empty; nothing written'
        want_disk=$value
        ;;
      erase)
        [ -z "$want_erase" ] || fail 'kernel command line: bowtie.install.erase is given twice; nothing written'
        [ "$value" = yes ] || fail "kernel command line: bowtie.install.erase must be yes, not $(printable "$value"); nothing written"
        want_erase=yes
        ;;
      *) fail "kernel command line: unknown parameter bowtie.install.$key (known: bowtie.install.disk, bowtie.install.erase); nothing written" ;;
    esac
  done
  if [ "$unattended" = yes ]; then
    [ -n "$want_disk" ] || fail 'kernel command line: bowtie.install.erase=yes without bowtie.install.disk; nothing written'
    [ -n "$want_erase" ] || fail 'kernel command line: bowtie.install.disk needs bowtie.install.erase=yes beside it; nothing written'
  fi
  return 0
}

# What reaches the terminal from outside (a typed name, a model string from a device) is shown
# with anything but plain printable ASCII replaced, and cut short.
printable() {
  local s=${1:0:80}
  printf '%s' "${s//[^A-Za-z0-9 _.,:\/()+=@#-]/?}"
}

# The image boots with UEFI only (raw-efi: systemd-boot on an ESP). The installer itself also
# boots with BIOS, so say so before anything is written rather than after the restart.
firmware_warning() {
  [ -d "$sys_dir/firmware/efi" ] && return 0
  say 'WARNING: this machine started the installer in BIOS (legacy) mode. The Bowtie Controller'
  say '         starts with UEFI only: set the firmware to boot the installed disk with UEFI.'
}

# ---- the disks --------------------------------------------------------------------------------

# One line per whole device (lsblk's top level), fields separated by | (which clean removes;
# a blank or tab separator would merge empty fields):
# name size ro rm type model serial boot-medium mounts holders logical-sector-size
disk_table=''
load_disks() {
  local json
  if [ -n "$devices_json" ]; then
    json=$(head -c 1048576 -- "$devices_json") || fail "cannot read $devices_json"
  else
    json=$(lsblk --json --bytes --output "$LSBLK_COLUMNS") || fail 'lsblk failed: cannot list the disks'
  fi
  # shellcheck disable=SC2016 # jq's own variables
  disk_table=$(jq -r --arg bootlabel "$boot_label" '
    def clean: if . == null then "" else tostring | gsub("[^A-Za-z0-9 _.,:/()+=@#-]"; "?") | .[0:60] end;
    def nodes: ., ((.children // [])[] | nodes);
    def valid: type == "object"
      and (.name | type == "string" and test("^[A-Za-z0-9_.:-]{1,64}$"))
      and (.size | type == "number" and . >= 0) and (.ro | type == "boolean") and (.rm | type == "boolean")
      and (.type | type == "string" and test("^[a-z0-9]{1,16}$"))
      and (."log-sec" | type == "number" and . > 0 and . == floor)
      and ((.mountpoints // []) | type == "array" and all(.[]; . == null or type == "string"))
      and ((.children // []) | type == "array");
    def tree_ok: valid and all((.children // [])[]; tree_ok);
    if (.blockdevices | type) != "array" then error("no blockdevices list") else . end
    | .blockdevices[]
    # A device lsblk describes in a form not read here is listed as not offered, with the rest.
    | if tree_ok | not then [ ((if type == "object" then .name else null end) | clean | if . == "" then "?" else . end), "0", "false", "false", "unreadable", "", "", "false", "", "", "0" ]
      else [ .name, (.size | tostring), (.ro | tostring), (.rm | tostring), .type, (.model | clean), (.serial | clean),
        ([nodes | select(.label == $bootlabel or ((.mountpoints // []) | any(. == "/iso")))] | length > 0 | tostring),
        ([nodes | (.mountpoints // [])[] | select(. != null)] | unique | join(" ") | clean),
        ([(.children // [])[] | nodes | select(.type != "part") | "\(.type) \(.name)"] | unique | join(", ") | clean),
        (."log-sec" | tostring)
      ] end
    | join("|")
  ' <<<"$json" 2>/dev/null) || fail 'the device list (lsblk --json --bytes) is not what this program reads; nothing written'
  [ -n "$disk_table" ] || fail 'this machine shows no disks at all'
  partition_table_json=$json
}
partition_table_json=''

# Every name at any depth, with its parent whole device: for telling a partition from a disk.
parent_of() {
  # shellcheck disable=SC2016
  jq -r --arg n "$1" '.blockdevices[] | . as $top | [.. | objects | select(.name? == $n)] | select(length > 0) | $top.name' <<<"$partition_table_json" | head -n 1
}

human() {
  local b=$1
  if [ "$b" -ge 1073741824 ]; then
    printf '%d.%d GiB' $((b / 1073741824)) $((b * 10 / 1073741824 % 10))
  else
    printf '%d.%d MiB' $((b / 1048576)) $((b * 10 / 1048576 % 10))
  fi
}

# Why a whole device may not be written ("" if it may).
refusal() {
  local size=$2 ro=$3 type=$5 boot=$8 mounts=$9 holders=${10} sector=${11}
  if [ "$boot" = true ]; then say "the installer's own boot medium"; return; fi
  case "$type" in
    disk) ;;
    loop) say 'a loop device'; return ;;
    rom) say 'an optical drive'; return ;;
    unreadable) say "lsblk describes it (or a partition on it) in a form this installer does not read"; return ;;
    *) say "not a disk (type $type)"; return ;;
  esac
  if [ "$ro" = true ]; then say 'read-only'; return; fi
  if [ -n "$mounts" ]; then say "in use: mounted at $mounts"; return; fi
  if [ -n "$holders" ]; then say "in use by $holders"; return; fi
  if [ "$size" -lt "$image_size" ]; then say "too small: $(human "$size"), the image needs $(human "$image_size")"; return; fi
  if [ "$sector" != "$IMAGE_SECTOR" ]; then
    say "$sector-byte logical sectors: the image's partition table is laid out for $IMAGE_SECTOR-byte sectors and would not boot from this disk"
    return
  fi
}

describe() { # the fields of one disk_table line
  local name=$1 size=$2 rm=$4 model=$6 serial=$7 extra=''
  [ "$rm" = true ] && extra=', removable'
  printf '%-10s %10s  %s%s%s' "$name" "$(human "$size")" "${model:-unknown model}" "${serial:+, serial $serial}" "$extra"
}

row_of() { # name -> its disk_table line
  local line
  while IFS= read -r line; do
    [ "${line%%|*}" = "$1" ] && { printf '%s' "$line"; return 0; }
  done <<<"$disk_table"
  return 1
}

show_disks() {
  local line why offered=0
  local -a f
  say ''
  say "Installing the Bowtie Controller ($(human "$image_size") image)."
  firmware_warning
  say 'Disks this installer can write:'
  while IFS= read -r line; do
    IFS='|' read -r -a f <<<"$line|"
    why=$(refusal "${f[@]}")
    [ -z "$why" ] || continue
    say "  $(describe "${f[@]}")"
    offered=$((offered + 1))
  done <<<"$disk_table"
  [ "$offered" -gt 0 ] || say '  (none)'
  say 'Not offered:'
  while IFS= read -r line; do
    IFS='|' read -r -a f <<<"$line|"
    why=$(refusal "${f[@]}")
    [ -n "$why" ] || continue
    say "  $(printf '%-10s' "${f[0]}") $why"
  done <<<"$disk_table"
  return 0
}

show_partitions() {
  local lines pname psize pfs plabel
  # shellcheck disable=SC2016
  lines=$(jq -r --arg n "$1" '
    def clean: if . == null or . == "" then "-" else tostring | gsub("[^A-Za-z0-9 _.,:/()+=@#-]"; "?") | .[0:40] end;
    .blockdevices[] | select(.name == $n) | (.children // [])[] | "\(.name | clean)\t\(.size)\t\(.fstype | clean)\t\(.label | clean)"
  ' <<<"$partition_table_json")
  if [ -z "$lines" ]; then
    say '    (none)'
    return 0
  fi
  while IFS=$'\t' read -r pname psize pfs plabel; do
    say "    $(printf '%-12s %10s  %s, label %s' "$pname" "$(human "$psize")" "$pfs" "$plabel")"
  done <<<"$lines"
}

# A name as typed or given on the command line -> the whole disk's name, or a refusal (stdout:
# the name; on refusal the reason goes to stderr and the status is 1).
resolve() {
  local given=$1 path real root name parent why row
  local -a f
  if ! [[ $given =~ ^[A-Za-z0-9/_.:+@-]{1,200}$ ]]; then
    say "$(printable "$given") is not a disk name (letters, digits and / _ . : + @ - only)" >&2
    return 1
  fi
  case "$given" in
    /dev/*) path=${given#/dev/} ;;
    /*) say "$given is not under /dev" >&2; return 1 ;;
    *) path=$given ;;
  esac
  if [[ /$path/ == */../* || /$path/ == */./* || $path == */ ]]; then
    say "$given is not a plain device path" >&2
    return 1
  fi
  root=$(realpath -e -- "$dev_root") || fail "no device directory $dev_root"
  real=$(realpath -e -- "$root/$path" 2>/dev/null) || { say "$given: no such device" >&2; return 1; }
  name=${real#"$root"/}
  if [ "$real" = "$name" ] || [[ $name == */* ]]; then
    say "$given is not a device node of this machine" >&2
    return 1
  fi
  if ! row=$(row_of "$name"); then
    parent=$(parent_of "$name")
    if [ -n "$parent" ]; then say "$given is a partition (or volume) on $parent, not a whole disk" >&2; else say "$given is not a disk this machine lists" >&2; fi
    return 1
  fi
  IFS='|' read -r -a f <<<"$row|"
  why=$(refusal "${f[@]}")
  if [ -n "$why" ]; then say "$name cannot be written: $why" >&2; return 1; fi
  if [ -b "$real" ]; then :
  elif [ "$dev_root_given" = yes ] && [ -f "$real" ]; then :
  else say "$given is not a block device" >&2; return 1
  fi
  printf '%s' "$name"
}

# ---- writing ----------------------------------------------------------------------------------

take_lock() {
  exec 9>"$lock_file" || fail "cannot open the lock $lock_file"
  if ! flock -n 9; then
    say 'Another console is installing: this one waits for it to end.'
    flock 9
    say 'The install on the other console has ended.'
    exit 3
  fi
}

install_to() {
  local name=$1 dev got progress=none
  dev=$(realpath -e -- "$dev_root/$name")
  [ -t 2 ] && progress=progress
  say "Erasing $name and writing the Bowtie Controller image to it..."
  # Old signatures (a RAID superblock or GPT backup at the end of the disk) would otherwise
  # outlive the new partition table.
  wipefs --all --force --quiet -- "$dev" || fail "could not clear the old signatures on $name"
  zstd --decompress --stdout --quiet -- "$image_zst" | dd of="$dev" bs=4M iflag=fullblock conv=notrunc,fsync status="$progress" ||
    fail "writing $name failed"
  if [ -b "$dev" ]; then blockdev --flushbufs "$dev" || fail "could not flush $name"; fi
  say 'Verifying what was written...'
  got=$(head -c "$image_size" -- "$dev" | sha256sum)
  got=${got%% *}
  if [ "$got" != "$image_sha256" ]; then
    fail "verification failed: $name does not hold the image (sha256 $got, expected $image_sha256). The disk is not usable; check it, or choose another"
  fi
  # The image's backup GPT sits where the image ended; a larger disk needs it at its own end.
  sfdisk --quiet --relocate gpt-bak-std -- "$dev" >/dev/null 2>&1 || fail "could not move the backup partition table to the end of $name"
  sfdisk --verify -- "$dev" >/dev/null 2>&1 || fail "the partition table on $name does not verify after the install"
  if [ -b "$dev" ]; then blockdev --rereadpt "$dev" 2>/dev/null || true; fi
  sync
  say "Installed on $name. The first boot from it starts the setup wizard; its setup code is shown on the console."
}

# ---- the two modes ----------------------------------------------------------------------------

ask() { # prompt -> the answer on stdout; end of input ends the program
  local answer
  printf '%s ' "$1" >&2
  IFS= read -r -n "$MAX_LINE" answer || { say '' >&2; fail 'no answer (end of input); nothing written'; }
  printf '%s' "$answer"
}

unattended_install() {
  local name row
  local -a f
  say "Unattended install (kernel command line): bowtie.install.disk=$(printable "$want_disk")"
  take_lock
  load_disks
  show_disks
  name=$(resolve "$want_disk") || fail "bowtie.install.disk=$(printable "$want_disk") refused; nothing written"
  row=$(row_of "$name")
  IFS='|' read -r -a f <<<"$row|"
  say "Target: $(describe "${f[@]}")"
  show_partitions "$name"
  # The medium left in (or first in the boot order) would install again at every boot: a disk
  # that already carries this image's GPT disk identifier is not erased unattended. That
  # identifier is all that is known: nixpkgs' make-disk-image gives every deterministic image the
  # same one, so any NixOS disk image with this layout carries it, not only the Controller.
  if [ "$(sfdisk --disk-id -- "$(realpath -e -- "$dev_root/$name")" 2>/dev/null || true)" = "$image_disk_id" ]; then
    fail "$name already holds a NixOS disk image with this installer's partition layout (GPT disk identifier $image_disk_id): not erased unattended; nothing written. Remove the installation medium (or boot from $name first); to install on $name, erase it or install interactively"
  fi
  install_to "$name"
}

interactive_install() {
  local answer name row status
  local -a f
  while :; do
    load_disks
    show_disks
    answer=$(ask 'Name of the disk to install on (e.g. sda), or press Enter to list the disks again:')
    [ -n "$answer" ] || continue
    name=$(resolve "$answer") || { say 'Nothing written.'; continue; }
    row=$(row_of "$name")
    IFS='|' read -r -a f <<<"$row|"
    say ''
    say "Everything on this disk will be erased:"
    say "  $(describe "${f[@]}")"
    say '  partitions now on it:'
    show_partitions "$name"
    answer=$(ask "Type $name to erase it and install, anything else to choose again:")
    if [ "$answer" != "$name" ]; then
      say 'Not confirmed: nothing written.'
      continue
    fi
    # The disk is looked at again: one plugged in or out meanwhile can carry the same name.
    load_disks
    if [ "$(row_of "$name" || true)" != "$row" ] || ! resolve "$name" >/dev/null; then
      say "$name changed since it was shown: nothing written."
      continue
    fi
    take_lock
    # A failed write goes back to the list (the disk may be faulty: choose another). The
    # subshell turns errexit back on, which a condition or `set +e` would switch off.
    set +e
    (
      set -e
      install_to "$name"
    )
    status=$?
    set -e
    if [ "$status" -ne 0 ]; then
      ask 'The install failed (see above). Press Enter to choose a disk again.' >/dev/null
      continue
    fi
    printf '%s ' 'Remove the installation medium, then press Enter to restart into the installed Controller.' >&2
    IFS= read -r -n "$MAX_LINE" answer || true
    return 0
  done
}

read_cmdline
if [ "$unattended" = yes ]; then unattended_install; else interactive_install; fi
