using LDae.Files;
using LDae.Harness.Experiments;
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
    public void A_row_records_the_tokenizer_weights_it_ran_on()
    {
        var lDae = CiResults.Get("table3/predict-original-image");
        var used = Assert.IsType<TokenizerWeights>(lDae.TokenizerWeights);
        var store = new ResultStore(CiResults.ResultsRoot);
        Assert.Equal(TokenizerArtifact.WeightsSha256(store.TokenizerDir(CiResults.Profile, used.Folder)), used.Sha256);
        Assert.True(store.OnCurrentTokenizer(CiResults.Profile, lDae));
        Assert.Null(CiResults.Get("table4/mae-base").TokenizerWeights);
    }

    /// <summary>Table 4's three families at ci: each one's pretraining loss falls and its probe beats the random-init encoder.</summary>
    [Theory]
    [InlineData("table4/l-dae-base")]
    [InlineData("table4/mae-base")]
    [InlineData("table4/mocov3-base")]
    public void Each_method_of_table4_learns_and_its_probe_beats_the_random_init_encoder(string row)
    {
        var trained = CiResults.Get(row);
        var random = CiResults.Get("references/random-init");
        Assert.True(trained.ProbeTop1 > random.ProbeTop1 + 5, $"{row} {trained.ProbeTop1} vs random-init {random.ProbeTop1}");

        var log = TrainLogEntry.ReadAll(Path.Combine(CiResults.ResultsRoot, "ci", row.Replace('/', Path.DirectorySeparatorChar), "log.jsonl"));
        Assert.True(log.Count >= 3, $"{row}: {log.Count} log entries");
        Assert.True(log[^1].Loss < log[0].Loss, $"{row}: loss {log[0].Loss} → {log[^1].Loss}");
    }

    [Fact]
    public void A_forced_row_told_to_reuse_a_twin_takes_its_result_without_training()
    {
        const string source = "table3/predict-original-image";
        // As the source's own run (in this test run it may itself have been taken from an earlier twin).
        var twin = CiResults.Get(source) with { Row = source, SameAs = null };
        string sameConfig = CiResults.RunnableRows()
            .First(r => r != source && CiResults.Registry.Resolve(r, CiResults.Profile).Hash() == twin.ConfigHash);
        var fresh = Path.Combine(Path.GetTempPath(), "ldae-twin-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new ResultStore(fresh);
            ResultStore.WriteMetrics(store.Row(CiResults.Profile, source).Metrics, twin);
            var runner = new LDae.Rows.RowRunner(CiResults.Registry, store, LDae.Harness.Repo.Root(), TextWriter.Null);
            var reused = runner.Run(new LDae.Rows.RowRequest(sameConfig, CiResults.Profile) { Force = true, ReuseTwin = true });
            Assert.NotNull(reused);
            Assert.Equal(source, reused.SameAs);
            Assert.Equal(twin.ProbeTop1, reused.ProbeTop1);
            Assert.Equal(twin.ConfigHash, reused.ConfigHash);
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    [Fact]
    public void An_interrupted_row_leaves_no_metrics_and_resumes_to_the_same_numbers()
    {
        const string row = "table3/pca-ddm";
        var uninterrupted = CiResults.Get(row);
        var fresh = Path.Combine(Path.GetTempPath(), "ldae-resume-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var runner = new LDae.Rows.RowRunner(CiResults.Registry, new ResultStore(fresh), LDae.Harness.Repo.Root(), TextWriter.Null);
            var stopped = runner.Run(new LDae.Rows.RowRequest(row, CiResults.Profile) { StopAfterSteps = 25 });
            Assert.Null(stopped);
            var paths = new ResultStore(fresh).Row(CiResults.Profile, row);
            Assert.False(Directory.Exists(paths.Dir)); // nothing published until the row is complete
            Assert.True(Checkpoint.ExistsIn(paths.Staging));

            var resumed = runner.Run(new LDae.Rows.RowRequest(row, CiResults.Profile));
            Assert.NotNull(resumed);
            Assert.Equal(RegressionSnapshot.Of(uninterrupted), RegressionSnapshot.Of(resumed));
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }
}
