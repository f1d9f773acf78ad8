using Quickenshtein;

namespace LDae.Harness.Execution;

/// <summary>The valid names nearest to a mistyped one (edit distance), for a one-line "did you mean" hint.</summary>
public static class ClosestNames
{
    /// <summary>
    /// Up to <paramref name="count"/> of <paramref name="valid"/> closest to <paramref name="given"/> (case-insensitive),
    /// nearest first; names that share nothing with it (an edit distance above half its length, at least 3) are left out.
    /// </summary>
    public static IReadOnlyList<string> To(string given, IEnumerable<string> valid, int count = 3)
    {
        var lower = given.ToLowerInvariant();
        int limit = Math.Max(3, lower.Length / 2);
        return valid.Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Distance: Levenshtein.GetDistance(lower, name.ToLowerInvariant())))
            .Where(x => x.Distance <= limit)
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(x => x.Name)
            .ToList();
    }

    /// <summary>" (did you mean a, b?)", or "" when nothing is close.</summary>
    public static string Hint(string given, IEnumerable<string> valid, string prefix = "")
    {
        var closest = To(given, valid);
        return closest.Count == 0 ? "" : $" (did you mean {string.Join(", ", closest.Select(n => prefix + n))}?)";
    }
}
