using LDae.Files;
using System.Diagnostics;
using LDae.Training;
using Xunit;
using Xunit.Abstractions;

namespace LDae.Tests.Reliability;

/// <summary>
/// Nothing lost: a row killed with SIGKILL at any moment — mid-step, in the middle of writing a checkpoint, while
/// writing its weights or probing — resumes to exactly the result of an uninterrupted run, and a forced rerun killed
/// half-way leaves the previous result as it was.
/// </summary>
[Collection(FinishedRowCollection.Name)]
public sealed class InterruptionTests(FinishedRow finished, ITestOutputHelper output)
{
    [Fact]
    public void A_row_killed_at_random_moments_and_during_checkpoint_writes_resumes_to_the_uninterrupted_result()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"kill-time seed {seed}");
        var random = new Random(seed);
        using var checkout = new ScratchCheckout();
        var paths = TinyRow.Paths(checkout);
        string Staged(string file) => Path.Combine(paths.Staging, file);
        // A write in progress: the file's temporary name (AtomicFile.TempName) beside it.
        bool Writing(string file) => Directory.Exists(paths.Staging) && Directory.EnumerateFiles(paths.Staging, file + ".tmp-*").Any();
        string checkpointTemp = AtomicFile.TempName(Staged(Checkpoint.FileName)), weightsTemp = AtomicFile.TempName(Staged(Trainer.WeightsFileName));

        // A random moment once training is under way.
        KillWhen(checkout, () => File.Exists(Staged(Trainer.LogFileName)) && new FileInfo(Staged(Trainer.LogFileName)).Length > 0,
            TimeSpan.FromMilliseconds(random.Next(0, 1500)));
        Assert.False(File.Exists(paths.Metrics));

        // The moment a checkpoint write begins. Whether the kill lands inside the write depends on the scheduler (on a
        // busy machine the write may be over first), so the state such a kill leaves — the previous checkpoint whole
        // and a part of the new one in its temporary file — is also made by hand: a resumed run must not be misled by it.
        int caught = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (!KillWhen(checkout, () => Writing(Checkpoint.FileName), TimeSpan.Zero)) break;
            if (Writing(Checkpoint.FileName)) caught++;
            Assert.False(File.Exists(paths.Metrics));
        }
        output.WriteLine($"{caught} of the kills landed inside a checkpoint write");
        // On a loaded machine every one of those kills can land inside the first checkpoint's write, so no whole
        // checkpoint exists yet: run on until one is written with its digest, then kill.
        if (!File.Exists(VerifiedFile.DigestPath(Staged(Checkpoint.FileName))))
            KillWhen(checkout, () => File.Exists(VerifiedFile.DigestPath(Staged(Checkpoint.FileName))) && !Writing(Checkpoint.FileName), TimeSpan.Zero);
        Assert.True(File.Exists(Staged(Checkpoint.FileName)), "five kills before the first checkpoint of 32 steps");
        var checkpoint = File.ReadAllBytes(Staged(Checkpoint.FileName));
        File.WriteAllBytes(checkpointTemp, checkpoint[..(checkpoint.Length / 2)]);

        // After training: writing the weights, or somewhere in feature extraction and the probe; then a half-written
        // weights file as such a kill would leave it.
        if (KillWhen(checkout, () => Writing(Trainer.WeightsFileName) || File.Exists(Staged(Trainer.WeightsFileName)), TimeSpan.FromMilliseconds(random.Next(0, 400)))
            && !File.Exists(paths.Metrics)) // a kill that lands after the result was published (the process was ending) leaves it whole
        {
            if (File.Exists(Staged(Trainer.WeightsFileName)))
            {
                var weights = File.ReadAllBytes(Staged(Trainer.WeightsFileName));
                File.WriteAllBytes(weightsTemp, weights[..(weights.Length / 3)]);
            }
        }

        var last = LdaeProcess.Run(checkout, TinyRow.Args());
        Assert.True(last.Code == 0, last.ToString());
        AssertSameResult(finished.Checkout, checkout);
    }

    [Fact]
    public void A_forced_rerun_killed_half_way_leaves_the_previous_result_as_it_was()
    {
        var before = TinyRow.Folder(finished.Checkout);
        var staging = TinyRow.Paths(finished.Checkout).Staging;
        KillWhen(finished.Checkout, () => Checkpoint.ExistsIn(staging), TimeSpan.Zero, TinyRow.Args("run", "--force"));
        Assert.Equal(before, TinyRow.Folder(finished.Checkout));
        var again = LdaeProcess.Run(finished.Checkout, TinyRow.Args());
        Assert.True(again.Code == 0, again.ToString());
        Assert.Contains("up to date", again.Out);
    }

    /// <summary>
    /// Starts the tiny row and kills it (SIGKILL) <paramref name="delay"/> after <paramref name="condition"/> first
    /// holds; false when the run finished first.
    /// </summary>
    static bool KillWhen(ScratchCheckout checkout, Func<bool> condition, TimeSpan delay, string[]? args = null)
    {
        using var run = new LdaeProcess(checkout, args ?? TinyRow.Args());
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (run.HasExited) return false;
            if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("the condition never held:\n" + run.Out);
            Thread.Sleep(1);
        }
        if (delay > TimeSpan.Zero) Thread.Sleep(delay);
        if (run.HasExited) return false;
        run.KillHard();
        run.Wait(TimeSpan.FromMinutes(1));
        return true;
    }

    /// <summary>The same numbers, the same weights bit for bit and the same training log (timings aside).</summary>
    static void AssertSameResult(ScratchCheckout expected, ScratchCheckout actual)
    {
        var (a, b) = (TinyRow.Metrics(expected), TinyRow.Metrics(actual));
        Assert.Equal((a.ConfigHash, a.ProbeTop1, a.ProbeTrainTop1, a.KnnTop1, a.FinalLoss, a.PretrainSteps),
            (b.ConfigHash, b.ProbeTop1, b.ProbeTrainTop1, b.KnnTop1, b.FinalLoss, b.PretrainSteps));
        var (pa, pb) = (TinyRow.Paths(expected), TinyRow.Paths(actual));
        Assert.Equal(File.ReadAllBytes(Path.Combine(pa.Dir, Trainer.WeightsFileName)), File.ReadAllBytes(Path.Combine(pb.Dir, Trainer.WeightsFileName)));
        static object Untimed(TrainLogEntry e) => (e.Step, e.Epoch, e.Lr, e.Loss, e.GradNorm);
        Assert.Equal(TrainLogEntry.ReadAll(pa.Log).Select(Untimed), TrainLogEntry.ReadAll(pb.Log).Select(Untimed));
        Assert.False(Directory.Exists(pb.Staging));
    }
}
