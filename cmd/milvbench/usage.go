package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// strictCommands makes every way of calling a command wrongly a usage error
// (exit 2), at every level of cmd's tree: cobra rejects an unknown command
// only under the root, as a plain error (exit 1), and a group such as
// `dataset` given an unknown subcommand prints its help and succeeds.
// A group (a command with subcommands) rejects any argument that is not one
// of its subcommands, naming it and the nearest valid names; called with
// none it prints its help, as cobra does. A leaf's own argument rules
// (cobra.NoArgs, MaximumNArgs, ...) report usage errors. Call it once the
// tree is complete, the help and completion commands included.
func strictCommands(cmd *cobra.Command) {
	if cmd.HasSubCommands() {
		cmd.Args = subcommandArgs
		if !cmd.Runnable() {
			// cobra checks arguments only of a runnable command.
			cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
			cmd.DisableFlagsInUseLine = true
		}
		// A group's flags (--help) come before any argument: `milvbench
		// frob --help` is an unknown command, not a request for help.
		cmd.Flags().SetInterspersed(false)
	} else if check := cmd.Args; check != nil {
		cmd.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				var ue usageError
				if errors.As(err, &ue) {
					return err
				}
				return usageError{err}
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		strictCommands(c)
	}
}

// subcommandArgs is the argument rule of a group: no arguments, since cobra
// has already taken any that names a subcommand.
func subcommandArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	return nil
}

// unknownCommand is the one-line usage error for name, which is not a
// subcommand of cmd: `unknown command "frob" for "milvbench dataset"; did
// you mean "gen"?` with cobra's suggestions, nearest first, or the list of
// cmd's subcommands when none is near.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default
	}
	near := cmd.SuggestionsFor(name)
	slices.SortStableFunc(near, func(a, b string) int { return editDistance(name, a) - editDistance(name, b) })
	near = slices.Compact(near)
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	switch {
	case len(near) > 0:
		q := make([]string, len(near))
		for i, s := range near {
			q[i] = fmt.Sprintf("%q", s)
		}
		msg += "; did you mean " + strings.Join(q, " or ") + "?"
	case len(names) > 0:
		msg += " (commands: " + strings.Join(names, ", ") + ")"
	}
	return usageError{errors.New(msg)}
}

// editDistance is the Levenshtein distance between a and b, ignoring case,
// to put the nearest of cobra's suggestions first.
func editDistance(a, b string) int {
	s, t := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			sub := prev[j-1]
			if s[i-1] != t[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(t)]
}

// newHelp is the help command: cobra's, except that an unknown topic is a
// usage error like an unknown command (cobra prints the root's usage and
// succeeds). Words after a command without subcommands are ignored, as
// cobra does (help run w.yaml is run's help).
func newHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help prints the help of any command: milvbench help [path to command].",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, s := range cmd.Commands() {
				if s.IsAvailableCommand() && strings.HasPrefix(s.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(s.Name(), s.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil {
				return usageError{err}
			}
			if len(rest) > 0 && cmd.HasSubCommands() {
				return unknownCommand(cmd, rest[0])
			}
			return cmd.Help()
		},
	}
}
