using LDae.Reporting.Plots;

namespace LDae.Reporting;

/// <summary>The fine-tuning curves of a table whose rows fine-tune (Appendix B): validation top-1 per epoch, one line per row.</summary>
static class FineTuneFigures
{
    public static IEnumerable<ReportFigure> Curves(TableResult t, string dir)
    {
        var tuned = t.Rows.Where(r => r.FineTuneCurve.Count > 0).ToList();
        if (tuned.Count == 0) yield break;
        var file = $"{t.Table.Id}-curves.png";
        TrainingCurvePlot.SaveProbe(Path.Combine(dir, file), $"{ReportFigures.ShortTitle(t)}: fine-tuning",
            tuned.Select(r => new Curve<ProbePoint>(r.Row.Title, r.FineTuneCurve.Select(e => new ProbePoint(e.Epoch, e.TestTop1)).ToList())).ToList(),
            "fine-tuning epoch", "validation top-1 (%)");
        yield return new ReportFigure(t.Table.Id, file,
            "Fine-tuning curves: validation top-1 (center crop of the test split, EMA weights where the recipe keeps an EMA) after each fine-tuning epoch, one line per row (a row of several seeds: its seed 1).");
    }
}
