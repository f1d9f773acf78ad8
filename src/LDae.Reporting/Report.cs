using LDae.Files;
using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Reporting;

/// <summary>What <see cref="Report.Write"/> produced (<see cref="Figures"/> includes those not drawn, with a null file).</summary>
public sealed record ReportOutput(string Directory, string MarkdownPath, string HtmlPath, string Markdown, IReadOnlyList<ReportFigure> Figures);

/// <summary>
/// The published result report of one profile: results/&lt;profile&gt;/report/index.md, index.html and the PNGs beside
/// them. Reads results/ only; never trains.
/// </summary>
public static class Report
{
    public static ReportOutput Write(ExperimentRegistry registry, ResultStore store, string profile, string? outputDir = null,
        IReadOnlyList<(string Name, double[] Gamma2, double[] Sigma2)>? schedules = null)
    {
        var dir = Path.GetFullPath(outputDir ?? store.ReportDir(profile));
        Directory.CreateDirectory(dir);
        Clean(dir);
        var model = ReportModel.Load(registry, store, profile);
        var figures = ReportFigures.WriteAll(model, dir, schedules);
        var markdown = ReportMarkdown.Render(model, figures);
        var mdPath = Path.Combine(dir, "index.md");
        var htmlPath = Path.Combine(dir, "index.html");
        AtomicFile.WriteText(mdPath, markdown);
        AtomicFile.WriteText(htmlPath, ReportHtml.Render(markdown, $"LDae results — profile {profile}"));
        return new ReportOutput(dir, mdPath, htmlPath, markdown, figures);
    }

    /// <summary>The noise schedules (noise.schedule) of the completed rows, sorted: the ones whose plot belongs in the report.</summary>
    public static IReadOnlyList<string> SchedulesInUse(ExperimentRegistry registry, ResultStore store, string profile) =>
        SchedulesInUse(ReportModel.Load(registry, store, profile));

    public static IReadOnlyList<string> SchedulesInUse(ReportModel model) =>
        model.Rows.Where(r => r.HasRun && !r.Config.Bool("noise.single_level"))
            .Select(r => r.Config.Text("noise.schedule")).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Removes what an earlier report wrote (its PNGs and copied row figures), so no stale figure survives.</summary>
    static void Clean(string dir)
    {
        foreach (var png in Directory.GetFiles(dir, "*.png")) File.Delete(png);
        foreach (var folder in new[] { ReportFigures.RowFiguresFolder, ReportFigures.SharedFiguresFolder })
        {
            var path = Path.Combine(dir, folder);
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
    }
}
