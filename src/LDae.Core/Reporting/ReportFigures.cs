using System.Globalization;
using LDae.Reporting.Plots;

namespace LDae.Reporting;

/// <summary>A figure of the report: the table section it belongs to, its file (relative to the report), its caption.</summary>
public sealed record ReportFigure(string Section, string File, string Caption);

/// <summary>
/// Draws every plot of the report from the results (never from training) and copies the rows' own figures
/// (results/&lt;profile&gt;/&lt;row&gt;/figures/*.png) beside the report. Which figures exist depends only on the results,
/// so the Markdown that lists them is reproducible.
/// </summary>
public static class ReportFigures
{
    public const string SchedulesSection = "schedules";
    public const string RowFiguresFolder = "rows";

    public static IReadOnlyList<ReportFigure> WriteAll(ReportModel model, string outputDir,
        IReadOnlyList<(string Name, double[] Gamma2, double[] Sigma2)>? schedules = null)
    {
        var figures = new List<ReportFigure>();
        foreach (var t in model.Tables)
        {
            figures.AddRange(Trajectories(model, t, outputDir));
            figures.AddRange(LatentDimensionSweep(t, outputDir));
            figures.AddRange(TrainingCurves(t, outputDir));
            figures.AddRange(CopyRowFigures(t, outputDir));
        }
        if (schedules is { Count: > 0 })
        {
            SchedulePlot.Save(Path.Combine(outputDir, "schedules.png"), schedules);
            figures.Add(new ReportFigure(SchedulesSection, "schedules.png",
                "Noise schedules: γ_t² (solid) and σ_t² (dashed), and the log signal-to-noise ratio, vs t"));
        }
        return figures;
    }

    static IEnumerable<ReportFigure> Trajectories(ReportModel model, TableResult t, string dir)
    {
        if (!t.HasPaperNumbers) yield break;
        var id = t.Table.Id;
        var data = DataName(model);
        var acc = t.Rows.Select(r => new TrajectoryPoint(r.Row.Title, r.Row.Paper.Acc, r.Ours)).ToList();
        TrajectoryPlot.Save(Path.Combine(dir, $"{id}-trajectory.png"), $"{ShortTitle(t)}: linear-probe accuracy per row",
            "linear-probe top-1 (%)", acc, "paper (ImageNet, ViT-½L)", $"ours (profile {model.Profile}, {data})");
        yield return new ReportFigure(id, $"{id}-trajectory.png",
            $"Linear-probe top-1 per row, in the paper's order: the paper's (left axis) and ours (right axis). Rows without a result have no point.");
        if (t.HasFid)
        {
            var fid = t.Rows.Select(r => new TrajectoryPoint(r.Row.Title, r.Row.Paper.Fid, r.Metrics?.Generation?.Value)).ToList();
            // Our number is labelled with the metric measured: FID only with Inception-v3 features (docs/fid.md).
            var ours = t.GenerationMetric;
            bool fidProper = ours == "FID";
            TrajectoryPlot.Save(Path.Combine(dir, $"{id}-fid.png"), $"{ShortTitle(t)}: generation quality ({(fidProper ? "FID" : $"FID / {ours}")}, lower is better)",
                fidProper ? "FID" : $"FID (paper) / {ours} (ours)", fid, "paper (ImageNet)", $"ours{(fidProper ? "" : $": {ours}")} (profile {model.Profile}, {data})");
            yield return new ReportFigure(id, $"{id}-fid.png", fidProper
                ? "FID per row where measured: the paper's (left axis) and ours (right axis). The paper gives FID only for the first rows."
                : $"Generation quality per row: the paper's FID (left axis) and our {ours} (right axis; `ldae fid`, docs/fid.md — not FID, so only the order of the rows compares). The paper gives FID only for the first rows.");
        }
    }

    /// <summary>
    /// The latent-dimension sweep of a table with "sweep-" rows: one line per tokenizer made of the row each
    /// sweep starts from (its matched d) and the sweep rows; the pixel-space row as the reference.
    /// </summary>
    static IEnumerable<ReportFigure> LatentDimensionSweep(TableResult t, string dir)
    {
        var sweeps = t.Rows.Where(r => r.Row.Id.StartsWith("sweep-", StringComparison.Ordinal)).ToList();
        if (sweeps.Count == 0) yield break;
        var starts = sweeps.Select(r => r.Row.From).Distinct().ToList();
        var lines = new List<SweepLine>();
        foreach (var start in t.Rows.Where(r => starts.Contains(r.Row.FullId)))
        {
            var members = t.Rows.Where(r => r == start || (sweeps.Contains(r) && r.Row.From == start.Row.FullId));
            var points = members.Where(r => r.Ours is not null)
                .Select(r => (D: int.Parse(r.Config.Text("tokenizer.latent_dim"), CultureInfo.InvariantCulture), Accuracy: r.Ours!.Value))
                .OrderBy(p => p.D).ToList();
            lines.Add(new SweepLine(start.Row.Title, points));
        }
        var pixels = t.Rows.FirstOrDefault(r => r.Config.Text("tokenizer.kind") == "pixels" && r.Ours is not null);
        var id = t.Table.Id;
        LatentDimensionPlot.Save(Path.Combine(dir, $"{id}-latent-dim.png"), "Linear-probe accuracy vs latent dimension per token",
            lines, pixels is null ? null : (pixels.Row.Title, pixels.Ours!.Value), (int)sweeps[0].Config.Int("tokenizer.patch_dim"));
        yield return new ReportFigure(id, $"{id}-latent-dim.png",
            "Latent-dimension sweep (ours): linear-probe top-1 vs d, one line per tokenizer (each tokenizer's matched row is d = D/24); "
            + "the pixel-space model as the dashed line. Only rows with a result are drawn.");
    }

    static IEnumerable<ReportFigure> TrainingCurves(TableResult t, string dir)
    {
        var id = t.Table.Id;
        var logged = t.Rows.Where(r => r.Log.Loss.Count > 0).ToList();
        if (logged.Count > 0)
        {
            TrainingCurvePlot.SaveLoss(Path.Combine(dir, $"{id}-loss.png"), $"{ShortTitle(t)}: training loss",
                logged.Select(r => new Curve<LossPoint>(r.Row.Title, r.Log.Loss)).ToList());
            yield return new ReportFigure(id, $"{id}-loss.png",
                "Training loss vs step, one line per completed row (rows with different targets have losses on different scales).");
        }
        var parts = t.Rows.Where(r => r.Log.HasLossParts).ToList();
        if (parts.Count > 0)
        {
            TrainingCurvePlot.SaveLossParts(Path.Combine(dir, $"{id}-loss-parts.png"), $"{ShortTitle(t)}: the two parts of the original-image loss",
                parts.Select(r => new Curve<LossPoint>(r.Row.Title, r.Log.Loss)).ToList());
            yield return new ReportFigure(id, $"{id}-loss-parts.png",
                "Original-image loss split into the part inside the PCA subspace (solid) and the residual part (dashed), both unweighted.");
        }
        var probed = t.Rows.Where(r => r.Log.Probe.Count > 0).ToList();
        if (probed.Count > 0)
        {
            TrainingCurvePlot.SaveProbe(Path.Combine(dir, $"{id}-probe.png"), $"{ShortTitle(t)}: probe accuracy during training",
                probed.Select(r => new Curve<ProbePoint>(r.Row.Title, r.Log.Probe)).ToList());
            yield return new ReportFigure(id, $"{id}-probe.png", "Linear-probe top-1 measured during pretraining, vs epoch.");
        }
    }

    static IEnumerable<ReportFigure> CopyRowFigures(TableResult t, string dir)
    {
        foreach (var r in t.Rows)
            foreach (var source in r.Figures)
            {
                var rel = $"{RowFiguresFolder}/{r.Row.Table}/{r.Row.Id}/{Path.GetFileName(source)}";
                var target = Path.Combine(dir, rel.Replace('/', Path.DirectorySeparatorChar));
                LDae.Training.AtomicFile.Write(target, s => { using var from = File.OpenRead(source); from.CopyTo(s); });
                yield return new ReportFigure(t.Table.Id, rel, $"{r.Row.Title}: {Path.GetFileNameWithoutExtension(source)}");
            }
    }

    /// <summary>"Table 3" from "Table 3 — toward the classical DAE …".</summary>
    public static string ShortTitle(TableResult t)
    {
        var title = t.Table.Title;
        var dash = title.IndexOf(" — ", StringComparison.Ordinal);
        return dash > 0 ? title[..dash] : title;
    }

    static string DataName(ReportModel model)
    {
        var config = model.Rows.First().Config;
        return config.Text("data.dataset");
    }
}
