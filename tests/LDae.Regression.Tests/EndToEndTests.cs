using LDae.Harness.Results;
using LDae.Training;
using Xunit;

namespace LDae.Regression.Tests;

/// <summary>The method end to end on Fashion-MNIST at the ci profile.</summary>
public class EndToEndTests
{
    [Fact]
    public void The_l_DAE_loss_decreases_and_its_probe_clearly_beats_the_random_init_encoder()
    {
        var lDae = CiResults.Get("table3/predict-original-image");
        var random = CiResults.Get("references/random-init");
        Assert.True(lDae.ProbeTop1 > random.ProbeTop1 + 5, $"l-DAE {lDae.ProbeTop1} vs random-init {random.ProbeTop1}");

        var log = TrainLogEntry.ReadAll(Path.Combine(CiResults.ResultsRoot, "ci", "table3", "predict-original-image", "log.jsonl"));
        Assert.True(log.Count >= 3);
        Assert.True(log[^1].Loss < 0.5 * log[0].Loss, $"loss {log[0].Loss} → {log[^1].Loss}");
    }

    [Fact]
    public void An_interrupted_row_leaves_no_metrics_and_resumes_to_the_same_numbers()
    {
        const string row = "table3/pca-ddm";
        var uninterrupted = CiResults.Get(row);
        var fresh = Path.Combine(Path.GetTempPath(), "ldae-resume-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var runner = new LDae.Experiments.RowRunner(CiResults.Registry, new ResultStore(fresh), LDae.Harness.Repo.Root(), TextWriter.Null);
            var stopped = runner.Run(new LDae.Experiments.RowRequest(row, CiResults.Profile) { StopAfterSteps = 25 });
            Assert.Null(stopped);
            var paths = new ResultStore(fresh).Row(CiResults.Profile, row);
            Assert.False(File.Exists(paths.Metrics));
            Assert.True(Checkpoint.ExistsIn(paths.Dir));

            var resumed = runner.Run(new LDae.Experiments.RowRequest(row, CiResults.Profile));
            Assert.NotNull(resumed);
            Assert.Equal(RegressionSnapshot.Of(uninterrupted), RegressionSnapshot.Of(resumed));
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }
}
