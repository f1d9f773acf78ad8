using System.CommandLine;
using LDae.Harness.Experiments;

namespace LDae.Cli.Commands;

static class ResolveCommand
{
    /// <summary>`ldae resolve --row table/row [--profile P] [--set KEY=VALUE]…`: the row's resolved configuration and hash.</summary>
    public static Command Create(CliContext context)
    {
        var row = CliOptions.Row();
        var profile = CliOptions.Profile();
        var set = CliOptions.Set();
        var command = new Command("resolve", "print a row's resolved configuration and hash")
        {
            row, profile, set, CliOptions.Device("resolving trains nothing"), CliOptions.Flag("--force", "accepted and ignored (resolving writes nothing)"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var id = CliOptions.KnownRow(registry, parse.GetValue(row)!);
            var name = CliOptions.KnownProfile(registry, parse.GetValue(profile)!);
            var overrides = CliOptions.Overrides(parse, set);
            var config = registry.Resolve(id, name, overrides);
            context.Out.WriteLine($"# {id} at profile {name}: config {config.Hash()}");
            context.Out.WriteLine($"# chain: {string.Join(" → ", registry.Chain(registry.Row(id)).Select(r => r.FullId))}");
            foreach (var o in overrides.Describe()) context.Out.WriteLine($"# --set {o}");
            context.Out.Write(config.ToYaml());
            return 0;
        });
        return command;
    }

    /// <summary>`ldae plan [--profile P]`: the build targets of a profile.</summary>
    public static Command CreatePlan(CliContext context)
    {
        var profile = CliOptions.Profile();
        var command = new Command("plan", "list the build targets of a profile (rows, tables, tokenizer artifacts)")
        {
            profile, CliOptions.Device("listing trains nothing"), CliOptions.Flag("--force", "accepted and ignored (listing writes nothing)"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            foreach (var t in BuildPlan.For(registry, CliOptions.KnownProfile(registry, parse.GetValue(profile)!)))
                context.Out.WriteLine($"{t.Kind,-10} {t.Name,-45} {(t.Unavailable ?? string.Join(" ", t.DependsOn))}");
            return 0;
        });
        return command;
    }
}
