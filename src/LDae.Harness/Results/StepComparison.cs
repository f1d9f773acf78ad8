namespace LDae.Harness.Results;

/// <summary>Whether one step of a table moves our accuracy the same way it moved the paper's.</summary>
public enum Direction
{
    /// <summary>Not comparable: a number is missing on either side, or the paper shows no change.</summary>
    None,
    Agrees,
    Disagrees,
}

/// <summary>
/// The Δ of a row against its previous row (<see cref="Experiments.ExperimentTable.PreviousId"/>), in the paper
/// and in ours (percentage points). The report's tables and the end-of-build summary both judge a step with it.
/// </summary>
public sealed record StepComparison(double? PaperDelta, double? OursDelta)
{
    /// <summary>Our Δ's 95 % CI over seeds (<see cref="SeedStatistics.Delta"/>); null when either row ran one seed.</summary>
    public DeltaEstimate? Interval { get; init; }

    /// <summary>
    /// The previous row when both rows resolve to one configuration at this profile (e.g. d = D/96 and d = D/48 are
    /// both d = 1 at D = 64): one run, so there is no step to measure; null for a real step.
    /// </summary>
    public string? SameConfigurationAs { get; init; }

    /// <summary>The verdict on the interval: agrees / disagrees only where it excludes 0 (<see cref="SeedStatistics.Judge"/>).</summary>
    public Verdict Verdict => SameConfigurationAs is not null ? Verdict.None : SeedStatistics.Judge(PaperDelta, OursDelta, Interval);

    public Direction Direction =>
        SameConfigurationAs is not null || PaperDelta is not { } p || OursDelta is not { } o || p == 0 ? Direction.None
        : Math.Sign(p) == Math.Sign(o) ? Direction.Agrees
        : Direction.Disagrees;

    /// <summary>True when the paper gives both numbers but shows no change (nothing to agree with).</summary>
    public bool PaperFlat => PaperDelta == 0;

    /// <summary>The step from a previous row to a row: the paper's numbers and ours (null where missing).</summary>
    public static StepComparison Of(double? paper, double? paperPrevious, double? ours, double? oursPrevious) =>
        new(Delta(paper, paperPrevious), Delta(ours, oursPrevious));

    /// <summary>The step with our linear-probe top-1 over seeds: the Δ of the means and its interval, when both rows ran several seeds.</summary>
    public static StepComparison Between(double? paper, double? paperPrevious, RowMetrics? ours, RowMetrics? oursPrevious)
    {
        var step = Of(paper, paperPrevious, ours?.ProbeTop1, oursPrevious?.ProbeTop1);
        if (ours?.Seeds is not { } a || oursPrevious?.Seeds is not { } b) return step;
        var interval = SeedStatistics.Delta(a.PerSeed(v => v.ProbeTop1), b.PerSeed(v => v.ProbeTop1));
        return interval is null ? step : step with { OursDelta = Math.Round(interval.Delta, 6), Interval = interval };
    }

    // Paper numbers have one decimal: rounding the difference keeps 63.6 − 63.6 exactly 0 and 62.1 − 57.5 exactly 4.6.
    static double? Delta(double? a, double? b) => a is { } x && b is { } y ? Math.Round(x - y, 6) : null;
}
