using System.CommandLine;
using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Runtime;

namespace LDae.Cli.Commands;

static class TokenizerCommand
{
    /// <summary>`ldae tokenizer --artifact tokenizer/NAME [--profile P] [--set KEY=VALUE]…`: build a shared tokenizer artifact.</summary>
    public static Command Create(CliContext context)
    {
        var artifact = new Option<string>("--artifact") { Description = "the artifact target, e.g. tokenizer/pca-p8-d4 (`ldae plan` lists them)", Required = true };
        var profile = CliOptions.Profile();
        var set = CliOptions.Set();
        var command = new Command("tokenizer", "fit or train a tokenizer artifact shared by the rows that name it")
        {
            artifact, profile, set, CliOptions.Device("tokenizers are fitted on the CPU"),
            CliOptions.Flag("--force", "accepted and ignored (an artifact is built once; a changed configuration makes a new one)"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var name = CliOptions.KnownProfile(registry, parse.GetValue(profile)!);
            var target = parse.GetValue(artifact)!;
            var overrides = CliOptions.Overrides(parse, set);
            // Any row that names the artifact carries the configuration it is built from.
            var config = registry.Rows.Select(r => registry.Resolve(r, name, overrides))
                .FirstOrDefault(c => Availability.Missing(c) is null && TokenizerArtifact.For(c)?.Target == target)
                ?? throw new InputException($"--artifact {target}: no runnable row at profile {name} uses it (`ldae plan --profile {name}` lists the artifacts)");
            var store = new ResultStore(context.Results);
            store.CheckWritable(store.Row(name, "tokenizers/" + TokenizerArtifact.For(config)!.FolderName));
            TorchRuntime.EnsureLoaded((int)config.Int("train.threads"));
            using var data = new RowData(config, context.RepoRoot, context.Out);
            using var tokenizer = TokenizerArtifacts.GetOrBuild(config, name, store, data.Train, data.Test, context.Out);
            context.Out.WriteLine($"{target}: ready ({tokenizer.Kind}, p = {tokenizer.Patch}, d = {tokenizer.LatentDim})");
            return 0;
        });
        return command;
    }
}
