using LDae.Harness.Results;
using LDae.Reporting;
using LDae.Tests.Execution;
using Xunit;

namespace LDae.Tests.Seeds;

/// <summary>The report of rows over seeds: mean ± sd, the Δ's CI, the verdict, the summary's counts and the noise floor.</summary>
public class SeedReportTests
{
    const string Ddm = "table3/pca-ddm", Clean = "table3/predict-clean-data", NoScaling = "table3/remove-input-scaling";

    static string Render(string results)
    {
        var model = ReportModel.Load(BuildTestFiles.Registry, new ResultStore(results), BuildTestFiles.Profile);
        return ReportMarkdown.Render(model, []);
    }

    static void Seeds(string results, string row, params double[] top1)
    {
        for (int k = 1; k <= top1.Length; k++) SeedTestFiles.Write(results, row, k, top1[k - 1]);
        new SeedResults(new ResultStore(results), BuildTestFiles.Profile, row)
            .Aggregate(top1.Length, BuildTestFiles.Registry.Resolve(row, BuildTestFiles.Profile).Hash(), BuildTestFiles.DataDigest, TextWriter.Null);
    }

    [Fact]
    public void Steps_are_judged_on_their_interval_and_the_noise_floor_is_stated()
    {
        using var results = new TempTree("seedreport");
        Seeds(results, Ddm, 70, 71, 72);        // sd 1
        Seeds(results, Clean, 73, 75, 74);      // paired Δ 3, 4, 2 → +3.0 [+0.5, +5.5]; the paper's step is −2.7
        Seeds(results, NoScaling, 74, 73, 76);  // paired Δ 1, −2, 2 → +0.3, CI contains 0; the paper's +1.2
        var md = Render(results);

        Assert.Contains("| 71.0 ± 1.0 (n=3) |", md);
        Assert.Contains("| +3.0 [+0.5, +5.5] | ✗ disagrees |", md);
        Assert.Contains("| within noise |", md);
        Assert.Contains("0 of 2 steps agree with the paper beyond noise", md);
        Assert.Contains("1 within noise", md);
        Assert.Contains("Disagree beyond noise: predict clean data (paper -2.7, ours +3.0 [+0.5, +5.5])", md);
        Assert.Contains("Noise floor at `ci`: the sd of a row's linear-probe top-1 over its seeds is 1.00 points (median of 3 rows; range 1.00–1.53", md);
    }

    [Fact]
    public void One_seed_rows_are_reported_as_before()
    {
        using var results = new TempTree("seedreport");
        SeedTestFiles.Write(results, Ddm, null, 70);
        SeedTestFiles.Write(results, Clean, null, 69);
        var md = Render(results);
        Assert.DoesNotContain("Noise floor", md);
        Assert.DoesNotContain("verdict", md.Split("## Table 3")[1].Split("## ")[0]);
        Assert.Contains("direction agrees", md);
    }
}
