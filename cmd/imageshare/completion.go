package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

const completionUsage = `usage: imageshare completion bash|zsh

Prints a shell completion script. Load it with
  source <(imageshare completion bash)        # bash, e.g. in ~/.bashrc
  source <(imageshare completion zsh)         # zsh, e.g. in ~/.zshrc
`

// completionCommand is one command as completion knows it: its
// subcommands and the flags each takes.
type completionCommand struct {
	subs  []string
	flags []string // "--name", for every subcommand
}

// flagNames lists a flag set's flags as "--name", sorted.
func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
	sort.Strings(names)
	return names
}

// completionTable is every command with its subcommands and flags. The
// client and server commands' flags are read from their own flag sets, so
// they cannot drift; the store commands share --db.
func completionTable() map[string]completionCommand {
	discard := io.Discard
	serveFS := newFlagSet("serve", discard)
	newServeConfig().register(serveFS)
	imagesFS, _, _ := imagesLsFlags(discard)
	shareFS, _ := shareFlags("ls", discard)
	communityFS, _, _ := communityLsFlags(discard)
	publishFS, _, _ := publishFlags(discard)
	return map[string]completionCommand{
		"serve":      {flags: flagNames(serveFS)},
		"config":     {subs: []string{"check"}, flags: flagNames(serveFS)},
		"images":     {subs: []string{"ls"}, flags: flagNames(imagesFS)},
		"share":      {subs: []string{"ls", "add", "rm"}, flags: flagNames(shareFS)},
		"community":  {subs: []string{"ls"}, flags: flagNames(communityFS)},
		"publish":    {flags: flagNames(publishFS)},
		"account":    {subs: []string{"create", "list"}, flags: []string{"--db", "--id", "--json", "--name", "--org"}},
		"key":        {subs: []string{"create", "disable", "enable"}, flags: []string{"--account", "--db", "--json"}},
		"instance":   {subs: []string{"create"}, flags: []string{"--account", "--db", "--gpu-type", "--id", "--json", "--region"}},
		"image":      {subs: []string{"show"}, flags: []string{"--db", "--json"}},
		"review":     {subs: []string{"list", "approve", "reject", "offline", "online"}, flags: []string{"--db", "--json", "--limit", "--reason", "--region", "--status"}},
		"migrate":    {flags: []string{"--db"}},
		"export":     {flags: []string{"--db", "--out"}},
		"import":     {flags: []string{"--db", "--in"}},
		"ci":         {subs: ciSubcommands, flags: ciFlagNames},
		"completion": {subs: []string{"bash", "zsh"}},
		"version":    {},
		"help":       {},
	}
}

func completionCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh") {
		fmt.Fprint(stderr, completionUsage)
		return fmt.Errorf("completion: want bash or zsh")
	}
	script := bashCompletion()
	if args[0] == "zsh" {
		// zsh runs the bash function through its bash compatibility layer.
		script = "#compdef imageshare\nautoload -U +X bashcompinit && bashcompinit\n" + script
	}
	_, err := io.WriteString(stdout, script)
	return err
}

// bashCompletion renders the bash completion function: commands first,
// then the command's subcommands, then its flags when the word starts
// with "-", and file names for flags that take paths.
func bashCompletion() string {
	table := completionTable()
	var names []string
	for name := range table {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(`# imageshare shell completion (imageshare completion bash)
_imageshare() {
    local cur prev cmd subs flags
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "` + strings.Join(names, " ") + `" -- "$cur"))
        return
    fi
    case "$prev" in
        --config|--profile|--seed|--out|--in)
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
    esac
    cmd="${COMP_WORDS[1]}"
    case "$cmd" in
`)
	for _, name := range names {
		c := table[name]
		fmt.Fprintf(&b, "        %s) subs=%q; flags=%q ;;\n", name, strings.Join(c.subs, " "), strings.Join(c.flags, " "))
	}
	b.WriteString(`    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$subs" ]; then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    fi
}
complete -o default -F _imageshare imageshare
`)
	return b.String()
}
