namespace LDae.Harness.Results;

/// <summary>
/// The data part of the up-to-date rule: a result is of the current data when the content digest it records
/// (<see cref="RowMetrics.DataDigest"/>) is the digest of the data its row names now. A result that records none,
/// or whose data's digest cannot be told now, is not up to date: nothing proves which data it came from.
/// </summary>
public static class DataCheck
{
    /// <summary>Why a result recording <paramref name="recorded"/> is not of the data whose digest is now <paramref name="current"/>; null when it is.</summary>
    public static string? WhyStale(string? recorded, string? current) => (recorded, current) switch
    {
        (null, _) => "its result records no data digest (data_digest), so the data it ran on is unknown",
        (_, null) => "the digest of its data cannot be told now",
        var (r, c) when r == c => null,
        var (r, c) => $"its data changed (data digest recorded {Short(r)}, current {Short(c)})",
    };

    /// <summary>The first 12 hex digits of a digest, for messages (metrics.json holds the whole one).</summary>
    public static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
}
