using LDae.Harness;
using LDae.Harness.Results;
using LDae.Reporting;
using LDae.Reporting.Sections;
using Xunit;

namespace LDae.Tests.Reporting;

/// <summary>
/// The compute study's part of the report, from Table 3 rows and a 4× row pair with invented per-seed numbers (three
/// seeds each, the fixture's metrics as template): each step's Δ at each length with its CI and verdict, and where it
/// first agrees.
/// </summary>
public sealed class StudyStepsSectionTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("ldae-steps-report-").FullName;

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("LDAE_KEEP_TEST_OUTPUT") is { } keep) Directory.Move(root, keep);
        else Directory.Delete(root, recursive: true);
    }

    void Write(string row, params double[] probeTop1PerSeed) =>
        ReportFixture.WriteSeeds(new ResultStore(root), row, [.. probeTop1PerSeed.Select((top1, i) => ReportFixture.Seed(row, i + 1, top1))]);

    static readonly double[] PcaDdm = [78.0, 78.2, 78.3];
    static readonly double[] LDae = [70.2, 70.3, 70.4];

    static string[] Cells(string line) => line.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray();

    [Fact]
    public void Each_step_shows_its_delta_per_length_and_the_shortest_length_at_which_it_agrees()
    {
        Write("table3/pca-ddm", PcaDdm);
        Write("table3/predict-original-image", LDae);
        Write("table3/image-input-inverse-pca", 75.0, 75.2, 75.1);
        Write("table3/image-output-inverse-pca", 70.3, 70.5, 70.6);  // −4.6, beyond noise, where the paper gains 0.3
        // 4×: the PCA DDM 2 points up, the l-DAE as at 1×: the step grows but keeps the paper's sign
        Write("compute/pca-ddm-4x", [.. PcaDdm.Select(v => v + 2)]);
        Write("compute/l-dae-4x", LDae);
        var output = Report.Write(ReportFixture.Registry, new ResultStore(root), "quick", Path.Combine(root, "report"));
        var md = File.ReadAllText(output.MarkdownPath);

        Assert.Contains("| step | paper Δ | 1× (3 epochs) | 4× (12 epochs) | 16× (48 epochs) | agrees from |", md);
        var overall = Cells(md.Split('\n').Single(l => l.StartsWith("| PCA DDM → l-DAE", StringComparison.Ordinal)));
        Assert.Equal("-0.6", overall[1]);
        Assert.EndsWith("✓ agrees", overall[2]);
        Assert.StartsWith("-9.9 [", overall[3]);                     // 70.3 − (78.17 + 2), paired by seed
        Assert.Equal("not run", overall[4]);
        Assert.Equal("1×", overall[5]);
        var output1 = Cells(md.Split('\n').Single(l => l.StartsWith("| image input → image output", StringComparison.Ordinal)));
        Assert.EndsWith("✗ disagrees", output1[2]);
        Assert.Equal("not within 1× (longer lengths not run)", output1[5]);
        var plain = Cells(md.Split('\n').Single(l => l.StartsWith("| adaLN-Zero → plain blocks", StringComparison.Ordinal)));
        Assert.Equal("— (no paper Δ)", plain[5]);
        Assert.True(File.Exists(Path.Combine(root, "report", "compute-step-1.png")));
        Assert.Contains("](compute-step-1.png)", md);
        Assert.Contains("*l-DAE → single noise level (Table 3): no length has both rows measured yet.*", md);
    }

    [Fact]
    public void A_step_that_agrees_at_one_length_and_is_within_noise_at_a_longer_one_does_not_agree_from_it()
    {
        Write("table3/pca-ddm", PcaDdm);
        Write("table3/predict-original-image", LDae);
        // 4×: the PCA DDM down to the l-DAE's level: the step that agreed at 1× is within noise at 4×
        Write("compute/pca-ddm-4x", 70.15, 70.35, 70.45);
        Write("compute/l-dae-4x", LDae);
        var output = Report.Write(ReportFixture.Registry, new ResultStore(root), "quick", Path.Combine(root, "report"));
        var overall = Cells(File.ReadAllText(output.MarkdownPath).Split('\n').Single(l => l.StartsWith("| PCA DDM → l-DAE", StringComparison.Ordinal)));
        Assert.EndsWith("✓ agrees", overall[2]);
        Assert.DoesNotContain("agrees", overall[3]);
        Assert.Equal("at 1× only, not at 4×", overall[5]);
    }
}
