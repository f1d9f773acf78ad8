using System.Text.Json.Nodes;
using LDae.Harness;
using LDae.Harness.Results;
using LDae.Reporting;
using LDae.Reporting.Sections;
using Xunit;

namespace LDae.Tests.Reporting;

/// <summary>
/// The compute study's part of the report, from the committed quick results of Table 3 (three seeds each) and a 4×
/// row pair written beside them: each step's Δ at each length with its CI and verdict, and where it first agrees.
/// </summary>
public sealed class StudyStepsSectionTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("ldae-steps-report-").FullName;

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("LDAE_KEEP_TEST_OUTPUT") is { } keep) Directory.Move(root, keep);
        else Directory.Delete(root, recursive: true);
    }

    string Copy(string row, string? asRow = null, double shift = 0)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root(), "results", "quick", row, "metrics.json")))!;
        var target = asRow ?? row;
        json["row"] = target;
        json["config_hash"] = ReportFixture.Registry.Resolve(target, "quick").Hash();
        foreach (var v in json["seeds"]!["values"]!.AsArray()) v!["probe_top1"] = (double)v["probe_top1"]! + shift;
        json["probe_top1"] = (double)json["probe_top1"]! + shift;
        json["seeds"]!["probe_top1"]!["mean"] = (double)json["seeds"]!["probe_top1"]!["mean"]! + shift;
        var path = Path.Combine(root, "quick", target, "metrics.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    static string[] Cells(string line) => line.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray();

    [Fact]
    public void Each_step_shows_its_delta_per_length_and_the_shortest_length_at_which_it_agrees()
    {
        foreach (var row in new[] { "table3/pca-ddm", "table3/predict-original-image", "table3/image-input-inverse-pca", "table3/image-output-inverse-pca" })
            Copy(row);
        // 4×: the PCA DDM 2 points up, the l-DAE as at 1×: the step grows but keeps the paper's sign
        Copy("table3/pca-ddm", "compute/pca-ddm-4x", shift: 2);
        Copy("table3/predict-original-image", "compute/l-dae-4x");
        var output = Report.Write(ReportFixture.Registry, new ResultStore(root), "quick", Path.Combine(root, "report"));
        var md = File.ReadAllText(output.MarkdownPath);

        Assert.Contains("| step | paper Δ | 1× (3 epochs) | 4× (12 epochs) | 16× (48 epochs) | agrees from |", md);
        var overall = Cells(md.Split('\n').Single(l => l.StartsWith("| PCA DDM → l-DAE", StringComparison.Ordinal)));
        Assert.Equal("-0.6", overall[1]);
        Assert.EndsWith("✓ agrees", overall[2]);
        Assert.StartsWith("-9.9 [", overall[3]);                     // 70.3 − (78.15 + 2), paired by seed
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
        foreach (var row in new[] { "table3/pca-ddm", "table3/predict-original-image" }) Copy(row);
        // 4×: the PCA DDM 7.85 points down, to the l-DAE's mean: the step that agreed at 1× is within noise at 4×
        Copy("table3/pca-ddm", "compute/pca-ddm-4x", shift: -7.85);
        Copy("table3/predict-original-image", "compute/l-dae-4x");
        var output = Report.Write(ReportFixture.Registry, new ResultStore(root), "quick", Path.Combine(root, "report"));
        var overall = Cells(File.ReadAllText(output.MarkdownPath).Split('\n').Single(l => l.StartsWith("| PCA DDM → l-DAE", StringComparison.Ordinal)));
        Assert.EndsWith("✓ agrees", overall[2]);
        Assert.DoesNotContain("agrees", overall[3]);
        Assert.Equal("at 1× only, not at 4×", overall[5]);
    }
}
