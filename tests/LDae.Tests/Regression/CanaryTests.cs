using System.Diagnostics;
using LDae.Harness;
using LDae.Harness.Regression;
using LDae.Tests.Execution;
using Xunit;

namespace LDae.Tests.Regression;

/// <summary>The planted regressions of tests/canaries and the report of the regression-canary target.</summary>
public class CanaryTests
{
    [Fact]
    public void Every_canary_names_its_fault_and_ci_rows_and_applies_to_this_checkout()
    {
        var root = Repo.Root();
        var canaries = Canary.All(root);
        Assert.True(canaries.Count >= 7, $"{canaries.Count} canaries");
        var rows = BuildTestFiles.Registry.Rows.Select(r => r.FullId).ToHashSet();
        foreach (var c in canaries)
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Fault));
            Assert.All(c.Rows, r => Assert.True(rows.Contains(r), $"{c.Name}: no row {r}"));
            // the method moves on; a canary that no longer applies must be planted again
            var check = Process.Start(new ProcessStartInfo("git", ["-C", root, "apply", "--check", c.PatchFile]) { RedirectStandardError = true })!;
            var error = check.StandardError.ReadToEnd();
            check.WaitForExit();
            Assert.True(check.ExitCode == 0, $"{c.Name}: {error}");
        }
    }

    [Fact]
    public void The_header_before_the_diff_is_read_and_a_missing_key_is_named()
    {
        using var dir = new TempTree("canary");
        var path = Path.Combine(dir, "off.patch");
        File.WriteAllText(path, "fault: a slip\nrows: t/a  t/b\nunit-tests: FullyQualifiedName~X\n\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-rows: not this\n+x\n");
        var read = Canary.Read(path);
        Assert.Equal(("off", "a slip", "FullyQualifiedName~X", path), (read.Name, read.Fault, read.UnitTests, read.PatchFile));
        Assert.Equal(["t/a", "t/b"], read.Rows);
        File.WriteAllText(path, "fault: a slip\ndiff --git a/f b/f\n");
        Assert.Contains("'rows:'", Assert.Throws<InvalidDataException>(() => Canary.Read(path)).Message);
    }

    [Fact]
    public void The_report_says_which_canaries_the_regression_suite_caught()
    {
        var c = new Canary("c", "f", ["t/a"], null, "p");
        var outcomes = new[]
        {
            new CanaryOutcome(c with { Name = "caught" }, null, new TestSummary(3, 1, 0), null),
            new CanaryOutcome(c with { Name = "unit-only" }, null, new TestSummary(4, 0, 0), new TestSummary(9, 2, 0)),
            new CanaryOutcome(c with { Name = "missed" }, null, new TestSummary(4, 0, 0), new TestSummary(9, 0, 0)),
            new CanaryOutcome(c with { Name = "stale" }, "the patch does not apply to HEAD", null, null),
        };
        Assert.Equal(["caught by the regression suite", "missed by the regression suite, caught by unit tests", "missed", "not run: the patch does not apply to HEAD"],
            outcomes.Select(o => o.Verdict));
        var lines = CanaryReport.Lines(new TestSummary(5, 0, 0), outcomes).ToList();
        Assert.Equal("baseline (no fault): tests: 5 passed, 0 failed, 0 skipped", lines[0]);
        Assert.Equal("canaries: 1 of 4 caught by the regression suite, 2 by it or the named unit tests", lines[^1]);
        Assert.Contains("prove nothing", CanaryReport.Lines(new TestSummary(4, 1, 0), outcomes).First());
    }
}
