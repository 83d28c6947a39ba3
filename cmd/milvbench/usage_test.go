package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// groups returns every command of cmd's tree that has subcommands (the
// root, dataset, completion, and any group added later), parents first.
func groups(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	if cmd.HasSubCommands() {
		out = append(out, cmd)
	}
	for _, c := range cmd.Commands() {
		out = append(out, groups(c)...)
	}
	return out
}

// TestUnknownCommands calls every command group with an unknown
// subcommand, a near miss of a real one, and nothing: an unknown name is a
// usage error (exit 2) of one line naming it and the group, with the
// nearest valid name when one is near and the group's commands otherwise,
// and prints no help; a group alone prints its help and succeeds, as cobra
// does. The help command and a leaf's own argument rules behave alike.
func TestUnknownCommands(t *testing.T) {
	type call struct {
		args []string
		want string // "" for success
	}
	var calls []call
	gs := groups(newRoot(&bytes.Buffer{}, &bytes.Buffer{}))
	if len(gs) < 3 {
		t.Fatalf("found %d command groups, want at least the root, dataset and completion", len(gs))
	}
	for _, g := range gs {
		path := strings.Fields(g.CommandPath())[1:]
		var names []string
		for _, c := range g.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		if len(names) == 0 {
			t.Fatalf("%s: no available subcommands", g.CommandPath())
		}
		near := names[0] + "x" // one edit from a real name
		calls = append(calls,
			call{append(path[:len(path):len(path)], "frobnicate"),
				fmt.Sprintf("unknown command %q for %q (commands: %s)", "frobnicate", g.CommandPath(), strings.Join(names, ", "))},
			call{append(path[:len(path):len(path)], near, "--help"),
				fmt.Sprintf("unknown command %q for %q; did you mean %q", near, g.CommandPath(), names[0])},
			call{append(path[:len(path):len(path)], near),
				fmt.Sprintf("unknown command %q for %q; did you mean %q", near, g.CommandPath(), names[0])},
			call{append([]string{"help"}, append(path[:len(path):len(path)], "frobnicate")...),
				fmt.Sprintf("unknown command %q for %q (commands: ", "frobnicate", g.CommandPath())},
			call{path, ""},
		)
	}
	calls = append(calls,
		call{[]string{"version", "extra"}, `unknown command "extra" for "milvbench version"`},
		call{[]string{"dataset", "gt", "a.yaml", "b.yaml"}, "accepts at most 1 arg(s), received 2"},
		call{[]string{"help", "dataset", "gen"}, ""},
	)
	for _, c := range calls {
		t.Run(strings.Join(append([]string{"milvbench"}, c.args...), " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			root := newRoot(&stdout, &stderr)
			root.SetArgs(c.args)
			err := root.ExecuteContext(context.Background())
			if c.want == "" {
				if err != nil || !strings.Contains(stdout.String(), "Usage:") {
					t.Errorf("err %v, stdout %q; want the help, exit 0", err, stdout.String())
				}
				return
			}
			if code := exitCode(err); code != 2 {
				t.Errorf("exit %d (err %v), want 2", code, err)
			}
			if err == nil {
				return
			}
			if msg := err.Error(); !strings.HasPrefix(msg, c.want) || strings.ContainsAny(msg, "\n\t") {
				t.Errorf("error %q, want one line starting %q", msg, c.want)
			}
			if stdout.Len() > 0 || stderr.Len() > 0 {
				t.Errorf("printed %q %q beside the error; want nothing", stdout.String(), stderr.String())
			}
		})
	}
}

// The suggestions are cobra's, nearest first.
func TestUnknownCommandNearestFirst(t *testing.T) {
	_, _, err := execute("runx")
	if want := `unknown command "runx" for "milvbench"; did you mean "run" or "tune"?`; err == nil || err.Error() != want {
		t.Errorf("err %v, want %s", err, want)
	}
}
