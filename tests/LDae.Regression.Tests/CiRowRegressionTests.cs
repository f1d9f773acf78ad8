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
        var now = CiResults.Snapshot(row);
        var name = Snapshot.FullName(SnapshotNameExtension.Create(row.Replace('/', '_')));
        if (SnapshotFile.TryRead(name) is { } snapshot)
        {
            var deviations = MetricComparison.Compare(snapshot, now);
            Assert.True(deviations.Count == 0, "\n" + MetricComparison.Table(deviations));
        }
        // Snapshooter checks the exact fields and writes the snapshot where none exists (refused in strict mode, as CI runs).
        Snapshot.Match(now, name, o => o.IgnoreField("ProbeTop1").IgnoreField("KnnTop1").IgnoreField("FinalLoss").IgnoreField("Reproduction"));
    }

    /// <summary>
    /// The same run (seed 1, the run the snapshot was accepted from) within numerical precision: any change of what the
    /// method computes fails here, also one too small for the seed-spread bounds of the test above to see.
    /// </summary>
    [Theory]
    [MemberData(nameof(Rows))]
    public void Row_reproduces_its_snapshot_run(string row)
    {
        // the snapshot the test above keeps: one file per row holds both
        var name = new SnapshotFullName($"{nameof(CiRowRegressionTests)}.{nameof(Row_metrics_match_the_snapshot)}_{row.Replace('/', '_')}.snap",
            Snapshot.FullName().FolderPath);
        var snapshot = SnapshotFile.TryRead(name);
        Assert.True(snapshot is not null, $"{row} has no snapshot ({SnapshotFile.PathOf(name)}); ./build.sh --target=accept-snapshots writes it");
        var deviations = MetricComparison.CompareReproduction(snapshot, CiResults.Snapshot(row));
        Assert.True(deviations.Count == 0, "\n" + MetricComparison.ReproductionTable(deviations));
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
