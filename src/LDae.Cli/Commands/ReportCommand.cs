using System.CommandLine;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Reporting;

namespace LDae.Cli.Commands;

static class ReportCommand
{
    /// <summary>`ldae report [--profile P]`: plots + results/&lt;P&gt;/report/index.md and index.html, from results only.</summary>
    public static Command Create(CliContext context)
    {
        var profile = CliOptions.Profile();
        var command = new Command("report", "plots + results/<profile>/report/index.md and index.html, from results only (trains nothing)")
        {
            profile, CliOptions.Device("a report trains nothing"), CliOptions.Flag("--force", "accepted and ignored (the report is always rewritten)"),
        };
        command.SetAction(parse =>
        {
            var registry = context.Registry();
            var name = CliOptions.KnownProfile(registry, parse.GetValue(profile)!);
            var store = new ResultStore(context.Results);
            var output = Report.Write(registry, store, name, schedules: SchedulesInUse(registry, store, name));
            context.Out.WriteLine($"report: {output.MarkdownPath}");
            context.Out.WriteLine($"report: {output.HtmlPath} ({output.Figures.Count(f => f.Drawn)} figures)");
            return 0;
        });
        return command;
    }

    /// <summary>Every distinct noise schedule (name, input scaling, single level) of the completed rows, as plain arrays.</summary>
    static IReadOnlyList<(string Name, double[] Gamma2, double[] Sigma2)> SchedulesInUse(ExperimentRegistry registry, ResultStore store, string profile) =>
        registry.Rows
            .Where(r => store.TryLoad(profile, r.FullId) is not null)
            .Select(r => registry.Resolve(r, profile))
            .Where(c => c.Text("probe.encoder") != "raw-pixels")
            .Select(LDae.Rows.RunSettings.Schedule)
            .GroupBy(s => s.Name)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var s = g.First();
                var t = Enumerable.Range(0, s.Steps + 1);
                return (g.Key, t.Select(i => s.GammaAt(i) * s.GammaAt(i)).ToArray(), t.Select(i => s.SigmaAt(i) * s.SigmaAt(i)).ToArray());
            })
            .ToList();
}
