using System.Globalization;

namespace LDae.Harness.Config;

/// <summary>The values a numeric configuration key may take: a lower bound and, for some keys, an upper bound.</summary>
public sealed record ValueRange(double Min, bool MinInclusive = true, double? Max = null, bool MaxInclusive = true)
{
    /// <summary>Min or more (a count, a size: at least 1; a rate or weight: at least 0).</summary>
    public static ValueRange AtLeast(double min) => new(min);

    /// <summary>Strictly above zero (learning rates, noise levels, ratios).</summary>
    public static ValueRange Positive { get; } = new(0, MinInclusive: false);

    /// <summary>[0, 1): a decay that must forget (an EMA of 1 never moves).</summary>
    public static ValueRange Decay { get; } = new(0, Max: 1, MaxInclusive: false);

    public bool Contains(double value) =>
        (MinInclusive ? value >= Min : value > Min) && (Max is not { } max || (MaxInclusive ? value <= max : value < max));

    public string Describe()
    {
        string lo = $"{(MinInclusive ? "≥" : ">")} {Number(Min)}";
        return Max is { } max ? $"{lo} and {(MaxInclusive ? "≤" : "<")} {Number(max)}" : lo;
    }

    static string Number(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
