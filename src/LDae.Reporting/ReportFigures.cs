using LDae.Files;
using LDae.Harness.Results;
using LDae.Reporting.Plots;

namespace LDae.Reporting;

/// <summary>
/// A figure of the report: the section it belongs to, its file (relative to the report) and its caption. A figure
/// that has nothing to show is not drawn: its <see cref="File"/> is null and the caption is the line of text the
/// report prints instead (an empty plot would look like a measurement).
/// </summary>
public sealed record ReportFigure(string Section, string? File, string Caption)
{
    public bool Drawn => File is not null;
}

/// <summary>
/// Draws every plot of the report from the results (never from training) and copies the rows' own figures
/// (results/&lt;profile&gt;/&lt;row&gt;/figures/*.png) beside the report. Which figures exist depends only on the results,
/// so the Markdown that lists them is reproducible.
/// </summary>
public static class ReportFigures
{
    public const string SchedulesSection = "schedules";
    /// <summary>Row figures that are the same image for several rows (they depend on the tokenizer, not on the row).</summary>
    public const string SharedSection = "shared";
    public const string RowFiguresFolder = "rows";
    public const string SharedFiguresFolder = "shared";

    public static IReadOnlyList<ReportFigure> WriteAll(ReportModel model, string outputDir,
        IReadOnlyList<(string Name, double[] Gamma2, double[] Sigma2)>? schedules = null)
    {
        var figures = new List<ReportFigure>();
        foreach (var t in model.Tables)
        {
            figures.AddRange(Steps(model, t, outputDir));
            figures.AddRange(AccuracyAgainstDistance(model, t, outputDir));
            figures.AddRange(LatentDimensionSweep(model, t, outputDir));
            figures.AddRange(TrainingCurves(t, outputDir));
            figures.AddRange(StudyStepFigures.Write(model, t, outputDir));
            figures.AddRange(FineTuneFigures.Curves(t, outputDir));
        }
        figures.AddRange(CopyRowFigures(model, outputDir));
        if (schedules is { Count: > 0 })
        {
            SchedulePlot.Save(Path.Combine(outputDir, "schedules.png"), schedules);
            figures.Add(new ReportFigure(SchedulesSection, "schedules.png",
                "Noise schedules: γ_t² (solid) and σ_t² (dashed), and the log signal-to-noise ratio, vs t"));
        }
        return figures;
    }

    /// <summary>
    /// The Δ-per-step bars of a table with the paper's numbers: linear-probe top-1, and FID where the table has
    /// FID. Drawn only when at least one step has our Δ (both rows measured); otherwise a line of text.
    /// </summary>
    static IEnumerable<ReportFigure> Steps(ReportModel model, TableResult t, string dir)
    {
        if (!t.HasPaperNumbers) yield break;
        var ours = $"ours (profile {model.Profile}, {DataName(model)})";
        yield return StepFigure(t, dir, "steps", "linear-probe top-1", "Δ linear-probe top-1 vs previous row (percentage points)",
            "paper (ImageNet, ViT-½L)", ours, (r, previous) => r.StepFrom(previous));
        if (!t.HasFid) yield break;
        // Our number is FID only with Inception-v3 features (docs/fid.md); another metric's Δ has another unit, so it
        // is not drawn on the paper's FID axis: the table's column gives its values and the direction of each step.
        if (t.GenerationMetric is { } metric && metric != "FID")
            yield return new ReportFigure(t.Table.Id, null,
                $"No FID Δ figure: our generation metric is {metric}, not FID (`ldae fid`, docs/fid.md), so only the direction of each step compares with the paper's; see the table.");
        else
            yield return StepFigure(t, dir, "fid-steps", "FID", "Δ FID vs previous row (negative: better)",
                "paper (ImageNet)", ours, (r, previous) => StepComparison.Of(r.Row.Paper.Fid, previous.Row.Paper.Fid, Distance(r), Distance(previous)));
    }

    /// <summary>
    /// Linear-probe top-1 against the generation distance for a table with FID (Table 1): the paper's first finding.
    /// Drawn when at least two rows have both of our numbers.
    /// </summary>
    static IEnumerable<ReportFigure> AccuracyAgainstDistance(ReportModel model, TableResult t, string dir)
    {
        if (!t.Table.Rows.Any(r => r.Paper.Fid is not null)) yield break;
        var id = t.Table.Id;
        var paper = t.Rows.Select((r, i) => (r, i)).Where(x => x.r.Row.Paper is { Fid: not null, Acc: not null })
            .Select(x => new AccuracyDistancePoint(x.i + 1, x.r.Row.Title, x.r.Row.Paper.Fid!.Value, x.r.Row.Paper.Acc!.Value)).ToList();
        var ours = t.Rows.Select((r, i) => (r, i)).Where(x => Distance(x.r) is not null && x.r.Ours is not null)
            .Select(x => new AccuracyDistancePoint(x.i + 1, x.r.Row.Title, Distance(x.r)!.Value, x.r.Ours!.Value, x.r.OursSd)).ToList();
        if (ours.Count < 2)
        {
            yield return new ReportFigure(id, null, $"No accuracy-vs-{t.GenerationMetric} figure: fewer than two rows have both our linear-probe top-1 and a generation distance (`./build.sh --target={id}/<row>/fid`).");
            yield break;
        }
        var file = $"{id}-accuracy-vs-distance.png";
        AccuracyDistancePlot.Save(Path.Combine(dir, file), $"{ShortTitle(t)}: representation vs generation", "FID", paper,
            $"profile {model.Profile}, {DataName(model)}", t.GenerationMetric, ours);
        yield return new ReportFigure(id, file,
            $"Linear-probe top-1 against generation quality, one point per row numbered in the table's order (1 = {t.Rows[0].Row.Title}): "
            + $"the paper's FID (left) and our {t.GenerationMetric} (right), each on its own axes. The paper's finding is that accuracy rises "
            + "while FID gets worse; error bars: ± one sd of our top-1 over seeds.");
    }

    static double? Distance(RowResult r) => r.Metrics?.Generation?.Value ?? r.Metrics?.Fid;

    /// <summary>
    /// The bars of one metric's steps; a step whose rows ran several seeds gets an error bar: its Δ's 95 % confidence
    /// interval (<see cref="StepComparison.Interval"/>).
    /// </summary>
    static ReportFigure StepFigure(TableResult t, string dir, string name, string metric, string axis, string paperLabel, string oursLabel,
        Func<RowResult, RowResult, StepComparison> compare)
    {
        var id = t.Table.Id;
        var steps = new List<DeltaStep>();
        for (int i = 0; i < t.Rows.Count; i++)
        {
            if (t.Previous[i] is not { } prev) continue;
            var r = t.Rows[i];
            var cmp = compare(r, prev);
            var label = i > 0 && prev == t.Rows[i - 1] ? r.Row.Title
                : $"{r.Row.Title} (vs {r.Versus(prev, id => id)})";
            // two rows of one configuration at this profile are one run: no step of ours to draw
            if (r.SameConfigurationAs(prev))
            {
                steps.Add(new DeltaStep(label + " — one configuration here", cmp.PaperDelta, null));
                continue;
            }
            steps.Add(new DeltaStep(label, cmp.PaperDelta, cmp.OursDelta, cmp.Interval is { } ci ? (ci.CiHigh - ci.CiLow) / 2 : null));
        }
        if (!steps.Any(s => s.OursDelta is not null))
            return new ReportFigure(id, null, $"No {metric} Δ figure: no step of this table has our value on both rows yet.");
        var file = $"{id}-{name}.png";
        DeltaStepPlot.Save(Path.Combine(dir, file), $"{ShortTitle(t)}: {metric}, change per step", axis, steps, paperLabel, oursLabel);
        return new ReportFigure(id, file,
            $"{Capitalize(metric)}: the change from each row's previous row, the paper's (grey) and ours (blue) side by side on one axis. "
            + "\"no value\" where a side has no number for both rows; where both rows ran several seeds, the error bar is the 95 % confidence interval of our Δ.");
    }

    /// <summary>
    /// The latent-dimension sweep of a table with "sweep-" rows: one line per tokenizer made of the row each
    /// sweep starts from (its matched d) and the sweep rows; the paper's lines (at its d) and ours (at this
    /// profile's d) on their own panels. Drawn when at least one row of ours has a result.
    /// </summary>
    static IEnumerable<ReportFigure> LatentDimensionSweep(ReportModel model, TableResult t, string dir)
    {
        var sweeps = t.Rows.Where(r => r.Row.Id.StartsWith("sweep-", StringComparison.Ordinal)).ToList();
        if (sweeps.Count == 0) yield break;
        var id = t.Table.Id;
        var starts = t.Rows.Where(r => sweeps.Any(s => s.Row.From == r.Row.FullId)).ToList();
        List<RowResult> Members(RowResult start) => t.Rows.Where(r => r == start || (sweeps.Contains(r) && r.Row.From == start.Row.FullId)).ToList();
        var ours = starts.Select(s => new SweepLine(s.Row.Title, Members(s).Where(r => r.Ours is not null)
            .Select(r => new SweepPoint(ReportModel.LatentDim(r.Config), r.Ours!.Value, r.OursSd)).ToList())).ToList();
        if (ours.All(l => l.Points.Count == 0))
        {
            yield return new ReportFigure(id, null, "No latent-dimension figure: no row of the sweep has our result yet.");
            yield break;
        }
        var paper = starts.Select(s => new SweepLine(s.Row.Title, Members(s).Where(r => r.Row.Paper.Acc is not null && r.PaperLatentDim is not null)
            .Select(r => new SweepPoint(r.PaperLatentDim!.Value, r.Row.Paper.Acc!.Value)).ToList())).ToList();
        var file = $"{id}-latent-dim.png";
        LatentDimensionPlot.Save(Path.Combine(dir, file), "Linear-probe top-1 vs latent dimension per token",
            new SweepPanel("ImageNet", paper, starts[0].PaperPatchDim ?? 0),
            new SweepPanel($"profile {model.Profile}, {DataName(model)}", ours, (int)starts[0].Config.Int("tokenizer.patch_dim")),
            starts.Select(s => s.Row.Title).ToList());
        yield return new ReportFigure(id, file,
            "Latent-dimension sweep: linear-probe top-1 vs d (log scale), one line per tokenizer (each tokenizer's matched row is d = D/24; "
            + "the pixel-based line is d = D and its down-scaled images). The paper's numbers (top) and ours (bottom) on their own axes; "
            + "points are drawn only where there is a number; error bars: ± one sd over seeds.");
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

    /// <summary>
    /// The rows' own figures, copied beside the report. An image that is byte-for-byte the same for several rows
    /// (the PCA basis and the latent-noise illustration depend on the tokenizer and the data, not on the row) is
    /// published once, in the shared section, naming the rows it belongs to; the others stay with their table.
    /// </summary>
    static IEnumerable<ReportFigure> CopyRowFigures(ReportModel model, string dir)
    {
        var all = model.Tables.SelectMany(t => t.Rows.SelectMany(r => r.Figures.Select(source => (Table: t, Row: r, Source: source, Hash: Sha256(source))))).ToList();
        var groups = all.GroupBy(f => (Name: Path.GetFileName(f.Source), f.Hash)).ToList();
        foreach (var f in all)
        {
            var group = groups.Single(g => g.Key == (Path.GetFileName(f.Source), f.Hash));
            if (group.Count() > 1) continue;
            var rel = $"{RowFiguresFolder}/{f.Row.Row.Table}/{f.Row.Row.Id}/{Path.GetFileName(f.Source)}";
            Copy(f.Source, dir, rel);
            yield return new ReportFigure(f.Table.Table.Id, rel, $"{f.Row.Row.Title}: {Path.GetFileNameWithoutExtension(f.Source)}");
        }
        var shared = groups.Where(g => g.Count() > 1).ToList();
        foreach (var byName in shared.GroupBy(g => g.Key.Name))
        {
            var variants = byName.ToList();
            for (int v = 0; v < variants.Count; v++)
            {
                var name = Path.GetFileNameWithoutExtension(byName.Key);
                var rel = $"{SharedFiguresFolder}/{name}{(variants.Count == 1 ? "" : $"-{v + 1}")}.png";
                Copy(variants[v].First().Source, dir, rel);
                yield return new ReportFigure(SharedSection, rel,
                    $"{name}: the same image for {variants[v].Count()} rows ({string.Join(", ", variants[v].Select(f => $"`{f.Row.Row.FullId}`"))})");
            }
        }
    }

    static void Copy(string source, string dir, string rel)
    {
        var target = Path.Combine(dir, rel.Replace('/', Path.DirectorySeparatorChar));
        AtomicFile.Write(target, s => { using var from = File.OpenRead(source); from.CopyTo(s); });
    }

    static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(s));
    }

    static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

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
