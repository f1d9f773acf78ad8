using System.Text.Json;
using LDae.Harness.Regression;
using Snapshooter;
using Snapshooter.Xunit;
using Xunit;

namespace LDae.Regression.Tests;

/// <summary>Every ci-profile row against its committed snapshot (tests/LDae.Regression.Tests/__snapshots__/).</summary>
public class CiRowRegressionTests
{
    /// <summary>Every row that runs at ci, or the rows LDAE_REGRESSION_ROWS names (the canary target's runs).</summary>
    public static TheoryData<string> Rows() =>
        new(CiResults.RunnableRows().Where(r => CanaryRun.RestrictedRows() is not { } only || only.Contains(r)));

    [Theory]
    [MemberData(nameof(Rows))]
    public void Row_metrics_match_the_snapshot(string row)
    {
        var now = RegressionSnapshot.Of(CiResults.Get(row));
        var name = Snapshot.FullName(SnapshotNameExtension.Create(row.Replace('/', '_')));
        if (SnapshotFile.TryRead(name) is { } snapshot)
        {
            var deviations = MetricComparison.Compare(snapshot, now);
            Assert.True(deviations.Count == 0, "\n" + MetricComparison.Table(deviations));
        }
        // Snapshooter checks the exact fields and writes the snapshot where none exists (refused in strict mode, as CI runs).
        Snapshot.Match(now, name, o => o.IgnoreField("ProbeTop1").IgnoreField("KnnTop1").IgnoreField("FinalLoss"));
    }

    /// <summary>
    /// Two rows that probe the same pretrained weights with the same readout must give the very same numbers on any
    /// machine: probe-t/t10-clean names the paper's readout (t = 10, clean input, after the encoder's blocks) that
    /// table3/predict-original-image takes by default. A default readout that drifts (another block, another t) moves
    /// one and not the other, however small the move (tests/canaries/probe-block-off-by-one.patch).
    /// </summary>
    [Theory]
    [InlineData("table3/predict-original-image", "probe-t/t10-clean")]
    public void Rows_that_probe_the_same_weights_the_same_way_agree_exactly(string row, string explicitReadout)
    {
        var (a, b) = (CiResults.Get(row), CiResults.Get(explicitReadout));
        Assert.Equal(row, b.WeightsFrom);
        Assert.Equal((a.ProbeTop1, a.KnnTop1), (b.ProbeTop1, b.KnnTop1));
    }
}

static class SnapshotFile
{
    public static string PathOf(SnapshotFullName name) => Path.Combine(name.FolderPath, "__snapshots__", name.Filename);

    public static RegressionSnapshot? TryRead(SnapshotFullName name)
    {
        var path = PathOf(name);
        return File.Exists(path) ? JsonSerializer.Deserialize<RegressionSnapshot>(File.ReadAllText(path).TrimStart('\uFEFF')) : null;
    }
}
