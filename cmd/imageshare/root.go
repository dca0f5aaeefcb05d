package main

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/imageshare/imageshare/internal/version"
)

const rootLong = `imageshare: a self-hostable image-sharing control plane.

The store commands take --db DSN (env IMAGESHARE_DB, default sqlite:./imageshare.db);
a DSN is sqlite:PATH, postgres://USER@HOST/DB or host=HOST dbname=DB ... (docs/postgres.md).

The tenant commands (images, share, community, publish) talk to a running
server over the UCloud dialect, with the key from ~/.config/imageshare/profile.yaml
or IMAGESHARE_URL, IMAGESHARE_PUBLIC_KEY, IMAGESHARE_PRIVATE_KEY, IMAGESHARE_REGION.
Sub-users and access policies: docs/ram.md.`

// errNoCommand is the error of a bare "imageshare": the help went to stderr.
var errNoCommand = errors.New("no command given")

// run executes one command line; main is only signals and exit codes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRoot(stdout, stderr)
	root.SetArgs(singleDashLong(args))
	return root.ExecuteContext(ctx)
}

// newRoot builds the command tree. Every command is one line: the
// function that does the work (a cmdFunc), the subcommand words it
// expects first, a one-line summary and examples.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:     "imageshare",
		Short:   "A self-hostable image-sharing control plane",
		Long:    rootLong,
		Version: version.Get().String(),
		// Errors are printed once, by main, and a failing command does
		// not bury its error under the usage text.
		SilenceErrors: true,
		SilenceUsage:  true,
		// No Args: cobra then reports an unknown command with its
		// suggestions, and RunE runs only for a bare "imageshare".
		RunE: func(c *cobra.Command, args []string) error {
			c.SetOut(c.ErrOrStderr())
			_ = c.Help()
			return errNoCommand
		},
	}
	// Before the completion command is made: it keeps the writer it
	// finds then.
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SuggestionsMinimumDistance = 2

	const db = " --db sqlite:./imageshare.db"
	root.AddCommand(
		leafCmd("serve", serve, nil, "Run the server (defaults < config file < IMAGESHARE_* env < flags)",
			"  imageshare serve --demo\n  imageshare serve --config /etc/imageshare.yaml --listen :8080\n  IMAGESHARE_DB=postgres://imageshare@db/imageshare imageshare serve"),
		parentCmd("config", "Inspect the server's configuration",
			leafCmd("check", configCmd, []string{"check"}, "Validate and print the effective configuration with each value's source",
				"  imageshare config check --config /etc/imageshare.yaml\n  IMAGESHARE_LISTEN=:9000 imageshare config check --demo")),
		&cobra.Command{
			Use:     "version",
			Short:   "Print the module version and VCS revision (also --version)",
			Example: "  imageshare version",
			Args:    cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				_, err := io.WriteString(c.OutOrStdout(), version.Get().String()+"\n")
				return err
			},
		},
		leafCmd("healthcheck", healthcheckCmd, nil, "Exit 0 when a server answers /readyz with 200, else 1 (for container health checks)",
			"  imageshare healthcheck\n  imageshare healthcheck --url http://127.0.0.1:8080"),
		parentCmd("account", "Create and list tenant accounts",
			leafCmd("create", accountCmd, []string{"create"}, "Create an account with a key pair",
				"  imageshare account create --name dev@example.com"+db+"\n  imageshare account create --name ci --id 42 --json"),
			leafCmd("list", accountCmd, []string{"list"}, "List the accounts", "  imageshare account list --json")),
		parentCmd("key", "Create, disable and enable API keys",
			leafCmd("create", keyCmd, []string{"create"}, "Create a key pair for an account", "  imageshare key create --account 42"),
			leafCmd("disable PUBLICKEY", keyCmd, []string{"disable"}, "Disable a key (its calls are refused)", "  imageshare key disable demo-alice-public"),
			leafCmd("enable PUBLICKEY", keyCmd, []string{"enable"}, "Enable a disabled key", "  imageshare key enable demo-alice-public")),
		parentCmd("instance", "Record instances, list an account's and launch from an image under the core's rules",
			leafCmd("create", instanceCmd, []string{"create"}, "Record an instance of an account",
				"  imageshare instance create --account 42 --region cn-wlcb --gpu-type 4090"),
			leafCmd("ls", instanceLaunchCmd, []string{"ls"}, "List an account's instances (every dialect's)",
				"  imageshare instance ls --account 10003 --json"),
			leafCmd("run", instanceLaunchCmd, []string{"run"}, "Launch instances from an image the account may launch from (its own, shared, public, platform)",
				"  imageshare instance run --account 10003 --region cn-wlcb --image compshareImage-alice-comfy --gpu-type 4090 --gpus 1")),
		parentCmd("review", "Review community image versions (approve before they are listed)",
			leafCmd("list", reviewCmd, []string{"list"}, "List versions waiting for review (or in other statuses)",
				"  imageshare review list\n  imageshare review list --status all --json"),
			leafCmd("approve VERSIONID", reviewCmd, []string{"approve"}, "Approve a version: it becomes Available in community ls", "  imageshare review approve cv-123"),
			leafCmd("reject VERSIONID", reviewCmd, []string{"reject"}, "Reject a version with a reason its publisher sees", `  imageshare review reject cv-123 --reason "no model card"`),
			leafCmd("offline VERSIONID", reviewCmd, []string{"offline"}, "Take an approved version off the community catalog", "  imageshare review offline cv-123"),
			leafCmd("online VERSIONID", reviewCmd, []string{"online"}, "Put an offline version back in the catalog", "  imageshare review online cv-123")),
		leafCmd("migrate", migrateCmd, nil, "Apply pending schema migrations", "  imageshare migrate"+db),
		leafCmd("export", exportCmd, nil, "Write every row as JSON lines (default stdout)", "  imageshare export --out backup.jsonl"+db),
		leafCmd("import", importCmd, nil, "Load an export into an empty store (default stdin)", "  imageshare import --in backup.jsonl --db postgres://imageshare@db/imageshare"),
		parentCmd("image", "Inspect any image in the store",
			leafCmd("show IMAGEID", imageCmd, []string{"show"}, "Show an image's record, OS facts and key tags included",
				"  imageshare image show compshareImage-alice-llama --json"+db)),
		parentCmd("ci", "CI conveniences against a running server's admin API (IMAGESHARE_ADMIN_URL, IMAGESHARE_ADMIN_TOKEN)",
			leafCmd("reset", ciCmd, []string{"reset"}, "Reset the server to its seed and demo data (or empty it); removes every fault",
				"  imageshare ci reset --server http://127.0.0.1:8080 --token $IMAGESHARE_ADMIN_TOKEN\n  imageshare ci reset --empty"),
			leafCmd("snapshot save|restore|rm|ls [NAME]", ciCmd, []string{"snapshot"}, "Save, restore, remove or list named snapshots of the whole store",
				"  imageshare ci snapshot save clean\n  imageshare ci snapshot restore clean\n  imageshare ci snapshot ls"),
			leafCmd("seed FILE|-", ciCmd, []string{"seed"}, "Apply a seed document (accounts, keys, sub-users, images, instances, shares)",
				"  imageshare ci seed seed/demo.yaml"),
			leafCmd("account create", ciCmd, []string{"account"}, "Create an account with a fresh key", "  imageshare ci account create --name dev@example.com"),
			leafCmd("key create", ciCmd, []string{"key"}, "Create a fresh key for an account", "  imageshare ci key create --account 10001"),
			leafCmd("fault add|ls|rm|clear [ID]", ciCmd, []string{"fault"}, "Inject, list or remove faults: an action's next calls fail with a vendor error or are delayed",
				"  imageshare ci fault add --dialect aliyun --action DescribeImages --code Throttling --count 2\n  imageshare ci fault clear")),
		parentCmd("images", "Your images on a running server",
			leafCmd("ls", imagesCmd, []string{"ls"}, "List your custom images, or those shared with you",
				"  imageshare images ls\n  imageshare images ls --shared-with-me --json")),
		parentCmd("share", "Share your custom images with other accounts",
			leafCmd("ls IMAGE", shareCmd, []string{"ls"}, "List the accounts an image is shared with", "  imageshare share ls compshareImage-alice-llama"),
			leafCmd("add IMAGE ACCOUNT...", shareCmd, []string{"add"}, "Share an image with accounts (ids, at most 10 per call)", "  imageshare share add compshareImage-alice-llama 10002"),
			leafCmd("rm IMAGE ACCOUNT...", shareCmd, []string{"rm"}, "Stop sharing an image with accounts", "  imageshare share rm compshareImage-alice-llama 10002")),
		parentCmd("community", "The community image catalog",
			leafCmd("ls", communityCmd, []string{"ls"}, "List approved community image versions",
				"  imageshare community ls\n  imageshare community ls --search llama --tag LLM --json")),
		leafCmd("publish IMAGE", publishCmd, nil, "Publish a custom image to the community catalog (a reviewer approves it)",
			"  imageshare publish compshareImage-alice-llama --version v1 --price 0.5 --tag LLM"),
		parentCmd("user", "Sub-users of an account (docs/ram.md)",
			leafCmd("create", userCmd, []string{"create"}, "Create a sub-user with a key pair", "  imageshare user create --account 42 --name ci-bot"),
			leafCmd("key", userCmd, []string{"key"}, "Create another key pair for a sub-user", "  imageshare user key --account 42 --name ci-bot"),
			leafCmd("list", userCmd, []string{"list"}, "List an account's sub-users", "  imageshare user list --account 42 --json"),
			leafCmd("disable", userCmd, []string{"disable"}, "Disable a sub-user (its keys are refused)", "  imageshare user disable --account 42 --name ci-bot"),
			leafCmd("enable", userCmd, []string{"enable"}, "Enable a disabled sub-user", "  imageshare user enable --account 42 --name ci-bot")),
		parentCmd("group", "Groups of sub-users (docs/ram.md)",
			leafCmd("create", groupCmd, []string{"create"}, "Create a group", "  imageshare group create --account 42 --name readers"),
			leafCmd("add", groupCmd, []string{"add"}, "Add a sub-user to a group", "  imageshare group add --account 42 --group readers --user ci-bot"),
			leafCmd("remove", groupCmd, []string{"remove"}, "Remove a sub-user from a group", "  imageshare group remove --account 42 --group readers --user ci-bot"),
			leafCmd("list", groupCmd, []string{"list"}, "List an account's groups", "  imageshare group list --account 42 --json")),
		parentCmd("policy", "Access policies for sub-users and groups (docs/ram.md)",
			leafCmd("create", policyCmd, []string{"create"}, "Create a policy from a JSON document (file, - for stdin, or inline)",
				"  imageshare policy create --account 42 --name readonly --document docs/examples/readonly.json"),
			leafCmd("attach", policyCmd, []string{"attach"}, "Attach a policy to a sub-user or a group", "  imageshare policy attach --account 42 --policy readonly --user ci-bot"),
			leafCmd("detach", policyCmd, []string{"detach"}, "Detach a policy from a sub-user or a group", "  imageshare policy detach --account 42 --policy readonly --group readers"),
			leafCmd("list", policyCmd, []string{"list"}, "List an account's policies", "  imageshare policy list --account 42"),
			leafCmd("check", policyCmd, []string{"check"}, "Say whether a sub-user may call an action on a resource, and why",
				"  imageshare policy check --user ci-bot@42 --action ucompshare:DescribeCompShareCustomImages --resource '*'")),
	)
	// cobra's own completion command (bash, zsh, fish, powershell),
	// refusing other shells like every command holding subcommands.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.SuggestionsMinimumDistance = 2
			refuseUnknownSubs(c)
		}
	}
	return root
}
