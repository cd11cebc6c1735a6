# fish completion for lispy -- subcommands, options, agent names and their
# parameters, file names; the candidates come from `lispy complete --cli`.
#
# Install: copy to ~/.config/fish/completions/lispy.fish (see
# docs/completions.md).

# Paths for a directive of `lispy complete`: @files, @dirs or @lispy.
# A "--opt=" in front of the token is kept on every candidate.
function __lispy_paths -a kind cur
    set -l pre ''
    if string match -qr -- '^--[^=]*=' $cur
        set pre (string replace -r -- '=.*' '=' $cur)
        set cur (string replace -r -- '^[^=]*=' '' $cur)
    end
    set -l found
    switch $kind
        case @dirs
            set found (__fish_complete_directories $cur '')
        case @files
            set found (__fish_complete_path $cur)
        case @lispy
            set found (__fish_complete_directories $cur '')
            for f in $cur*.lispy
                test -f $f; and set -a found $f
            end
    end
    for f in $found
        printf '%s%s\n' $pre (string replace -r -- '\t.*' '' $f)
    end
end

function __lispy_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l prog $tokens[1]
    set -e tokens[1]
    for line in ($prog complete --cli -- $tokens $cur 2>/dev/null)
        switch $line
            case @files @dirs @lispy
                __lispy_paths $line $cur
            case '*'
                printf '%s\n' $line
        end
    end
end

complete -c lispy -f -a '(__lispy_complete)'
