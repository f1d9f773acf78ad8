using System.Diagnostics;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>Median milliseconds of each phase of a training step (see <see cref="StepBreakdown"/>).</summary>
/// <param name="ReplicaSpreadMs">Median over the steps of how much longer the slowest replica's forward + backward
/// took than the fastest's: the time a faster replica waits (0 with one replica).</param>
public sealed record StepPhases(int Steps, double BatchMs, double ForwardMs, double BackwardMs, double OptimizerMs, double ReplicaSpreadMs = 0)
{
    public double TotalMs => BatchMs + ForwardMs + BackwardMs + OptimizerMs;
}

/// <summary>
/// Where a training step's time goes: the same batch source, objective, data-parallel replicas and optimizer as
/// the trainer, with a clock read between the phases: batch (gather + uint8 copy), forward (tokenizer, noise,
/// backbone, loss), backward, and optimizer (summing the replicas' gradients, clipping, AdamW). With several
/// replicas forward and backward run concurrently; each is the slowest replica's time. libtorch on the CPU runs
/// each op synchronously, so the phase boundaries are exact. It steps its own optimizer, so run it after
/// everything measured on the trained weights.
/// </summary>
public static class StepBreakdown
{
    public static StepPhases Measure(nn.Module model, IBatchSource source, Func<Batch, Generator, StepLoss> objective,
        TrainOptions options, int steps, int warmup = 5)
    {
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var parallel = new DataParallel(trainable, options.Replicas);
        using var optimizer = WeightDecayGroups.AdamW(model, options, parallel);
        var inPrecision = Trainer.InPrecision(objective, options.Precision);   // as the trainer runs it
        model.train();
        var phases = new List<double[]>();
        var clock = new Stopwatch();
        for (int s = 0; s < warmup + steps; s++)
        {
            var ms = new double[5];
            using (NewDisposeScope())
            {
                clock.Restart();
                var batch = source.Get(0, s % source.StepsPerEpoch);
                ms[0] = Lap(clock);
                optimizer.zero_grad();
                var values = parallel.ComputeGradients(batch, options.Seed, s, inPrecision);
                double gradients = Lap(clock);
                ms[1] = values.Shards.Max(t => t.ForwardMs);
                ms[2] = values.Shards.Max(t => t.BackwardMs);
                ms[4] = values.Shards.Max(t => t.ForwardMs + t.BackwardMs) - values.Shards.Min(t => t.ForwardMs + t.BackwardMs);
                if (options.GradClip > 0) GradientClipping.ClipGradNorm(trainable, options.GradClip, parallel);
                optimizer.step();
                // the all-reduce (and the wait for the slowest replica) counts as optimizer time
                ms[3] = Lap(clock) + Math.Max(0, gradients - ms[1] - ms[2]);
            }
            GC.Collect(0); // as the trainer does (see Trainer), outside the timed phases
            if (s >= warmup) phases.Add(ms);
        }
        double Median(int i) => Statistics.Median(phases.Select(p => p[i]));
        return new StepPhases(steps, Median(0), Median(1), Median(2), Median(3), Median(4));
    }

    static double Lap(Stopwatch clock)
    {
        double ms = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return ms;
    }
}
