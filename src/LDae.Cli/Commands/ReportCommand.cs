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
        var output = Report.Write(registry, new ResultStore(Repo.Results()), profile);
        Console.WriteLine($"report: {output.MarkdownPath}");
        Console.WriteLine($"report: {output.HtmlPath} ({output.Figures.Count} figures)");
        return 0;
    }
}
