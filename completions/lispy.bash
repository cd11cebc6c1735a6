# bash completion for lispy -- subcommands, options, agent names and their
# parameters, file names; the candidates come from `lispy complete --cli`.
#
# Install: source this file from ~/.bashrc, or copy it to
# ~/.local/share/bash-completion/completions/lispy (see docs/completions.md).

# _lispy_words: the words of the line up to the cursor after "lispy",
# with "key=value" and "--opt=value" put back together (bash splits them
# at '=' and ':', the characters of COMP_WORDBREAKS).
_lispy_words() {
  local i w
  _lispy_w=()
  for ((i = 1; i <= COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    local n=${#_lispy_w[@]}
    if ((n > 0)) && [[ -n $w ]] && [[ $w == [=:] || ${_lispy_w[n-1]} == *[=:] ]]; then
      _lispy_w[n-1]+=$w
    else
      _lispy_w+=("$w")
    fi
  done
  ((${#_lispy_w[@]})) || _lispy_w=("")
}

_lispy() {
  local _lispy_w cur word prefix line cand help
  _lispy_words
  word=${_lispy_w[${#_lispy_w[@]}-1]}
  # The part bash replaces: after the last '=' or ':' of the word.
  cur=${word##*[=:]}
  prefix=${word%"$cur"}
  COMPREPLY=()
  local tab=$'\t'
  while IFS= read -r line; do
    cand=${line%%"$tab"*}
    case $cand in
      @files) compopt -o filenames 2>/dev/null
              mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur") ;;
      @dirs)  compopt -o filenames 2>/dev/null
              mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur") ;;
      @lispy) compopt -o filenames 2>/dev/null
              mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.lispy' -- "$cur") ;;
      *)      COMPREPLY+=("${cand#"$prefix"}") ;;
    esac
  done < <("${COMP_WORDS[0]:-lispy}" complete --cli -- "${_lispy_w[@]}" 2>/dev/null)
  # No space after "key=" (a value follows) or "--opt=".
  if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *= ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}

complete -F _lispy lispy
