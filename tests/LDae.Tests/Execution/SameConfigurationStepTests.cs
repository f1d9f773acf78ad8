using LDae.Harness.Execution;
using LDae.Harness.Results;
using LDae.Harness.Summary;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>
/// Two rows that resolve to one configuration at a profile (the conv VAE's d = D/24 and D/96 are both 4 channels at
/// D = 64) are one run: the summary says so instead of showing a Δ of 0 as if it were measured.
/// </summary>
public class SameConfigurationStepTests
{
    [Fact]
    public void A_step_between_rows_of_one_configuration_is_named_so_and_not_judged()
    {
        using var results = new TempTree("same-config");
        BuildTestFiles.WriteResult(results, "table2/conv-vae", 70.0);
        BuildTestFiles.WriteResult(results, "table2/sweep-conv-vae-d8", 70.0);
        BuildTestFiles.WriteResult(results, "table2/pca", 72.0);
        BuildTestFiles.WriteResult(results, "table2/sweep-pca-d8", 71.0);
        var outcomes = new[] { "table2/sweep-conv-vae-d8", "table2/sweep-pca-d8" }
            .ToDictionary(r => r, _ => new RowOutcome(RowStatus.UpToDate, null));
        var summary = BuildSummary.Of(BuildTestFiles.Registry, new ResultStore(results), "ci", "table2", "local", outcomes, []);

        var twin = summary.Rows.Single(r => r.Row.FullId == "table2/sweep-conv-vae-d8");
        Assert.Equal("table2/conv-vae", twin.Step.SameConfigurationAs);
        Assert.Equal("same configuration as table2/conv-vae", SummaryTable.Delta(twin.Step));
        Assert.Equal(Verdict.None, twin.Step.Verdict);
        Assert.Equal("—", SummaryTable.Verdict(twin.Step));

        var measured = summary.Rows.Single(r => r.Row.FullId == "table2/sweep-pca-d8");
        Assert.Null(measured.Step.SameConfigurationAs);
        Assert.Equal("-1.0 (paper -9.1)", SummaryTable.Delta(measured.Step));
        Assert.Equal("agrees", SummaryTable.Verdict(measured.Step));
    }
}
