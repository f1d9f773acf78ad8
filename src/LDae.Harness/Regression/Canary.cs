namespace LDae.Harness.Regression;

/// <summary>
/// A planted regression (tests/canaries/*.patch): a small, realistic fault in the method, the ci rows it affects,
/// and optionally the unit tests that should catch it. The patch file opens with a header git apply skips:
/// <code>
/// fault: the loss weighting λ_t dropped
/// rows: table3/predict-clean-data table3/remove-input-scaling
/// unit-tests: FullyQualifiedName~LossWeighting
/// </code>
/// followed by the diff.
/// </summary>
public sealed record Canary(string Name, string Fault, IReadOnlyList<string> Rows, string? UnitTests, string PatchFile)
{
    public static string Folder(string repoRoot) => Path.Combine(repoRoot, "tests", "canaries");

    /// <summary>Every canary of the repository, by name.</summary>
    public static IReadOnlyList<Canary> All(string repoRoot) =>
        Directory.Exists(Folder(repoRoot))
            ? Directory.GetFiles(Folder(repoRoot), "*.patch").Order(StringComparer.Ordinal).Select(Read).ToList()
            : [];

    public static Canary Read(string patchFile)
    {
        var header = File.ReadLines(patchFile).TakeWhile(l => !l.StartsWith("diff --git ", StringComparison.Ordinal))
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        string Required(string key) => header.TryGetValue(key, out var v) && v.Length > 0
            ? v : throw new InvalidDataException($"{patchFile}: the header has no '{key}:' line");
        var rows = Required("rows").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new Canary(Path.GetFileNameWithoutExtension(patchFile), Required("fault"), rows,
            header.GetValueOrDefault("unit-tests") is { Length: > 0 } u ? u : null, patchFile);
    }
}

/// <summary>What one canary run found. Null summaries: that part did not run (the patch did not apply or build, or no unit tests named).</summary>
public sealed record CanaryOutcome(Canary Canary, string? Problem, TestSummary? Regression, TestSummary? Unit)
{
    /// <summary>The regression suite turned red: some row or step test failed.</summary>
    public bool CaughtByRegression => Regression is { Failed: > 0 };

    public bool CaughtByUnitTests => Unit is { Failed: > 0 };

    public string Verdict => Problem is not null ? $"not run: {Problem}"
        : CaughtByRegression ? "caught by the regression suite"
        : CaughtByUnitTests ? "missed by the regression suite, caught by unit tests"
        : "missed";
}

/// <summary>The canary run's report: one line per canary, and how many the regression suite caught.</summary>
public static class CanaryReport
{
    public static IEnumerable<string> Lines(TestSummary? baseline, IReadOnlyList<CanaryOutcome> outcomes)
    {
        yield return baseline is null ? "baseline (no fault): not run"
            : $"baseline (no fault): {baseline}" + (baseline.Failed > 0 ? " — the suite is red without a fault; the canaries below prove nothing" : "");
        yield return $"{"canary",-28} {"regression tests",-36} {"unit tests",-36} verdict";
        foreach (var o in outcomes)
            yield return $"{o.Canary.Name,-28} {o.Regression?.ToString() ?? "—",-36} {o.Unit?.ToString() ?? "—",-36} {o.Verdict}";
        yield return $"canaries: {outcomes.Count(o => o.CaughtByRegression)} of {outcomes.Count} caught by the regression suite" +
            $", {outcomes.Count(o => o.CaughtByRegression || o.CaughtByUnitTests)} by it or the named unit tests";
    }
}
