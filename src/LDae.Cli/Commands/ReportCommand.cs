using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Reporting;

namespace LDae.Cli.Commands;

static class ReportCommand
{
    /// <summary>ldae report --profile P: plots + results/&lt;P&gt;/report/index.md and index.html, from results only.</summary>
    public static int Run(CliArgs a)
    {
        var profile = a.Get("profile", Profile.Default);
        a.Get("device"); a.Flag("force"); // passed by the build to every target; a report needs neither
        a.RejectUnknown();
        var registry = ExperimentRegistry.Load(Repo.Experiments());
        registry.Profile(profile); // fails early on an unknown profile
        var store = new ResultStore(Repo.Results());
        var output = Report.Write(registry, store, profile, schedules: SchedulesInUse(registry, store, profile));
        Console.WriteLine($"report: {output.MarkdownPath}");
        Console.WriteLine($"report: {output.HtmlPath} ({output.Figures.Count} figures)");
        return 0;
    }

    /// <summary>Every distinct noise schedule (name, input scaling, single level) of the completed rows, as plain arrays.</summary>
    static IReadOnlyList<(string Name, double[] Gamma2, double[] Sigma2)> SchedulesInUse(ExperimentRegistry registry, ResultStore store, string profile) =>
        registry.Rows
            .Where(r => store.TryLoad(profile, r.FullId) is not null)
            .Select(r => registry.Resolve(r, profile))
            .Where(c => c.Text("probe.encoder") != "raw-pixels")
            .Select(LDae.Experiments.RunSettings.Schedule)
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
