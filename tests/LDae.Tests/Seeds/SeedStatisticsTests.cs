using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Seeds;

/// <summary>The seed statistics against values computed by hand (t quantiles from printed t tables).</summary>
public class SeedStatisticsTests
{
    [Fact]
    public void The_t_quantiles_are_the_tables()
    {
        Assert.Equal(12.706, SeedStatistics.TQuantile(1), 3);
        Assert.Equal(4.303, SeedStatistics.TQuantile(2), 3);
        Assert.Equal(2.776, SeedStatistics.TQuantile(4), 3);
        Assert.Equal(2.571, SeedStatistics.TQuantile(5), 3);
    }

    [Fact]
    public void A_row_of_three_seeds_has_its_mean_sd_and_t_interval()
    {
        // 70, 71, 72: mean 71, sd 1, half-width 4.303 · 1/√3 = 2.4843.
        var s = SeedStatistics.Summarize([70.0, 71.0, 72.0])!;
        Assert.Equal(71.0, s.Mean, 10);
        Assert.Equal(1.0, s.Sd!.Value, 10);
        Assert.Equal(3, s.N);
        Assert.Equal(71 - 2.4843, s.CiLow!.Value, 3);
        Assert.Equal(71 + 2.4843, s.CiHigh!.Value, 3);
    }

    [Fact]
    public void One_seed_has_no_spread_and_no_interval()
    {
        var s = SeedStatistics.Summarize([64.2])!;
        Assert.Equal((64.2, (double?)null, 1, (double?)null, (double?)null), (s.Mean, s.Sd, s.N, s.CiLow, s.CiHigh));
        Assert.Null(SeedStatistics.Summarize([]));
    }

    [Fact]
    public void Rows_with_the_same_seeds_are_compared_by_the_paired_t()
    {
        // Differences 2, 1, 3: mean 2, sd 1, 2 degrees of freedom: 2 ± 4.303/√3 = [-0.4843, 4.4843].
        var d = SeedStatistics.Delta(new Dictionary<int, double> { [1] = 72, [2] = 72, [3] = 75 },
                                     new Dictionary<int, double> { [1] = 70, [2] = 71, [3] = 72 })!;
        Assert.True(d.Paired);
        Assert.Equal(2.0, d.Delta, 10);
        Assert.Equal(2, d.DegreesOfFreedom);
        Assert.Equal(-0.4843, d.CiLow, 3);
        Assert.Equal(4.4843, d.CiHigh, 3);
        Assert.False(d.ExcludesZero);
    }

    [Fact]
    public void Rows_with_different_seeds_are_compared_by_Welch()
    {
        // a = 10, 12, 14 (mean 12, sd 2), b = 5, 6, 7, 8, 9 (mean 7, sd √2.5): Δ 5, se² = 4/3 + 2.5/5 = 1.8333, se = 1.35401;
        // df = 1.8333² / ((4/3)²/2 + 0.5²/4) = 3.36111 / 0.95139 = 3.5328; t(0.975, 3.5328) = 2.9274 (the t density
        // integrated numerically; between the tables' 3.182 at 3 and 2.776 at 4) → 5 ± 3.9637 = [1.0363, 8.9637].
        var d = SeedStatistics.Delta(new Dictionary<int, double> { [1] = 10, [2] = 12, [3] = 14 },
                                     new Dictionary<int, double> { [1] = 5, [2] = 6, [3] = 7, [4] = 8, [5] = 9 })!;
        Assert.False(d.Paired);
        Assert.Equal(5.0, d.Delta, 10);
        Assert.Equal(3.5328, d.DegreesOfFreedom, 3);
        Assert.Equal(1.0363, d.CiLow, 3);
        Assert.Equal(8.9637, d.CiHigh, 3);
        Assert.True(d.ExcludesZero);
    }

    [Fact]
    public void A_delta_needs_two_seeds_on_each_side()
    {
        Assert.Null(SeedStatistics.Delta(new Dictionary<int, double> { [1] = 70 }, new Dictionary<int, double> { [1] = 69, [2] = 68 }));
    }

    [Theory]
    [InlineData(3.0, 1.0, 2.0, "Agrees")]       // CI above 0, paper up
    [InlineData(-3.0, 1.0, 2.0, "Disagrees")]   // CI above 0, paper down
    [InlineData(3.0, -1.0, 2.0, "WithinNoise")] // CI contains 0
    [InlineData(0.0, 1.0, 2.0, "None")]         // the paper shows no change
    public void The_verdict_reads_the_interval_against_the_papers_sign(double paper, double low, double high, string verdict)
    {
        var interval = new DeltaEstimate((low + high) / 2, low, high, Paired: true, 2);
        Assert.Equal(Enum.Parse<Verdict>(verdict), SeedStatistics.Judge(paper, interval.Delta, interval));
    }

    [Fact]
    public void One_seed_gives_no_verdict_and_a_missing_number_none()
    {
        Assert.Equal(Verdict.OneSeed, SeedStatistics.Judge(2.0, 1.5, null));
        Assert.Equal(Verdict.None, SeedStatistics.Judge(null, 1.5, null));
        Assert.Equal(Verdict.None, SeedStatistics.Judge(2.0, null, null));
    }
}
