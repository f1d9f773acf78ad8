using LDae.Harness;
using LDae.Harness.Experiments;

namespace LDae.Cli.Commands;

static class ResolveCommand
{
    public static int Run(CliArgs a)
    {
        var (registry, profile) = (ExperimentRegistry.Load(Repo.Experiments()), a.Get("profile", Profile.Default));
        var row = registry.Row(a.Require("row"));
        a.Get("device"); a.Flag("force");
        a.RejectUnknown();
        var config = registry.Resolve(row, profile);
        Console.WriteLine($"# {row.FullId} at profile {profile}: config {config.Hash()}");
        Console.WriteLine($"# chain: {string.Join(" → ", registry.Chain(row).Select(r => r.FullId))}");
        Console.Write(config.ToYaml());
        return 0;
    }

    public static int Plan(CliArgs a)
    {
        var (registry, profile) = (ExperimentRegistry.Load(Repo.Experiments()), a.Get("profile", Profile.Default));
        a.Get("device"); a.Flag("force");
        a.RejectUnknown();
        foreach (var t in BuildPlan.For(registry, profile))
            Console.WriteLine($"{t.Kind,-10} {t.Name,-45} {(t.Unavailable ?? string.Join(" ", t.DependsOn))}");
        return 0;
    }
}
