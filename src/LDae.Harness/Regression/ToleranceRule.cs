namespace LDae.Harness.Regression;

/// <summary>
/// How a measured seed spread becomes a regression bound (docs/statistics.md, "Per-row tolerances and step snapshots").
/// A row's snapshot is one single-seed run and the run under test is another, so a harmless change that reorders the
/// random draws moves a metric by the difference of two independent draws, whose sd is √2 · sd: the bound is three of
/// those, 3√2 · sd. A step's snapshot is the mean Δ over the seeds and CI sees one paired draw, which lies
/// sd_Δ · √(1 + 1/n) from the mean: the band is three of those. A floor keeps a nearly deterministic row's bound tight
/// but above zero (a reduction order of another CPU still moves it); bounds are rounded up (accuracies to 0.1 point,
/// the loss to 0.1 % relative).
/// </summary>
public static class ToleranceRule
{
    /// <summary>The fewest seeds a row needs for its spread to set its bound.</summary>
    public const int MinimumSeeds = 5;

    /// <summary>Bound / sd for a row's metric: three sd of the difference of two single-seed runs.</summary>
    public static readonly double RowFactor = 3 * Math.Sqrt(2);

    /// <summary>Band / (sd_Δ · √(1 + 1/n)) for a step's Δ.</summary>
    public const double StepFactor = 3;

    /// <summary>The smallest bound of a probe or kNN top-1, in points (10 of the ci profile's 1,000 test images).</summary>
    public const double AccuracyFloorPoints = 1.0;

    /// <summary>The smallest bound of the final loss, relative.</summary>
    public const double LossFloorRelative = 0.01;

    /// <summary>The smallest band of a step's Δ, in points; also how far past 0 a single-seed Δ must go to count as flipped.</summary>
    public const double StepFloorPoints = 1.0;

    public const string Text =
        "bound = max(3·√2·sd, floor), sd over the row's seeds (one single-seed run against another: sd √2·sd); " +
        "floors 1.0 point (probe and kNN top-1) and 1 % (final loss, relative to the mean); accuracies rounded up to " +
        "0.1 point, the loss to 0.1 %. Rows missing here fall back to MetricTolerances' global bounds.";

    public const string StepText =
        "steps whose 95 % paired-t CI over the seeds excludes 0; band = max(3·sd_Δ·√(1 + 1/n), 1.0 point) around the " +
        "mean Δ, rounded up to 0.1 point; a single-seed Δ outside the band, or past 0 by more than 1.0 point on the " +
        "other side of the step's sign, fails.";

    /// <summary>The bound of a probe or kNN top-1 with seed sd <paramref name="sd"/>, in points.</summary>
    public static double Accuracy(double sd) => CeilTo(Math.Max(RowFactor * sd, AccuracyFloorPoints), 0.1);

    /// <summary>The relative bound of a final loss with seed sd <paramref name="sd"/> around <paramref name="mean"/>.</summary>
    public static double Loss(double sd, double mean) =>
        CeilTo(Math.Max(mean == 0 ? LossFloorRelative : RowFactor * sd / Math.Abs(mean), LossFloorRelative), 0.001);

    /// <summary>The half-width of a step's band from the sd of its <paramref name="n"/> paired differences.</summary>
    public static double StepBand(double sdOfDifferences, int n) =>
        CeilTo(Math.Max(StepFactor * sdOfDifferences * Math.Sqrt(1 + 1.0 / n), StepFloorPoints), 0.1);

    // The small epsilon keeps 1.5 at 1.5 where 1.5 / 0.1 is 15.000000000000002.
    static double CeilTo(double value, double step) => Math.Round(Math.Ceiling(value / step - 1e-9) * step, 6);
}
