using LDae.Experiments;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Runtime;

namespace LDae.Cli.Commands;

/// <summary>`ldae tokenizer --artifact tokenizer/NAME [--profile P]`: build a shared tokenizer artifact.</summary>
static class TokenizerCommand
{
    public static int Run(CliArgs a)
    {
        var root = Repo.Root();
        var registry = ExperimentRegistry.Load(Repo.Experiments(root));
        var profile = a.Get("profile", Profile.Default);
        var target = a.Require("artifact");
        a.Get("device"); a.Flag("force");
        a.RejectUnknown();
        // Any row that names the artifact carries the configuration it is built from.
        var config = registry.Rows.Select(r => registry.Resolve(r, profile))
            .FirstOrDefault(c => Availability.Missing(c) is null && TokenizerArtifact.For(c)?.Target == target)
            ?? throw new CliException($"no runnable row at profile {profile} uses {target}");
        TorchRuntime.EnsureLoaded((int)config.Int("train.threads"));
        using var data = new RowData(config, root, Console.Out);
        using var tokenizer = TokenizerArtifacts.GetOrBuild(config, profile, new ResultStore(Repo.Results(root)), data.Train, data.Test, Console.Out);
        Console.WriteLine($"{target}: ready ({tokenizer.Kind}, p = {tokenizer.Patch}, d = {tokenizer.LatentDim})");
        return 0;
    }
}
