using System.Diagnostics;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>
/// Times each step after the warm-up, samples RSS, and every <paramref name="yardstickEvery"/> timed steps runs
/// <paramref name="yardstick"/> between two steps, outside both steps' timing.
/// </summary>
sealed class StepClock(int warmup, int sampleEvery, int yardstickEvery, Action yardstick) : ITrainProgress
{
    readonly List<double> stepSeconds = [];
    readonly List<RssSample> samples = [];
    long? stepStart;

    public long RssAfterWarmup { get; private set; }
    public long RssEnd { get; private set; }
    public long LiveTensorsAfterWarmup { get; private set; }
    public long LiveTensorsEnd { get; private set; }
    public long? FaultsAfterWarmup { get; private set; }
    public long? FaultsEnd { get; private set; }
    public GcCounters GcAfterWarmup { get; private set; }
    public GcCounters GcEnd { get; private set; }
    public IReadOnlyList<RssSample> Samples => samples;

    public void Start(long startStep, long totalSteps) { }

    public void Step(TrainProgressInfo info)
    {
        if (info.Step < warmup) return;
        long now = Stopwatch.GetTimestamp();
        if (stepStart is { } start) stepSeconds.Add((double)(now - start) / Stopwatch.Frequency);
        long rss = ProcessMemory.ResidentBytes() ?? 0;
        long live = Tensor.TotalCount;                    // TorchSharp's count of undisposed tensor handles
        long? faults = ProcessMemory.MinorPageFaults();
        var gc = GcCounters.Now();
        if (info.Step == warmup) (RssAfterWarmup, LiveTensorsAfterWarmup, FaultsAfterWarmup, GcAfterWarmup) = (rss, live, faults, gc);
        (RssEnd, LiveTensorsEnd, FaultsEnd, GcEnd) = (rss, live, faults, gc);
        if ((info.Step - warmup) % sampleEvery == 0 || info.Step == info.TotalSteps)
            samples.Add(new RssSample(info.Step, Math.Round(rss / 1048576.0, 1),
                Math.Round(GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0, 1)));
        if (info.Step > warmup && info.Step < info.TotalSteps && (info.Step - warmup) % yardstickEvery == 0) yardstick();
        stepStart = Stopwatch.GetTimestamp();
    }

    public void Logged(TrainLogEntry entry) { }
    public void Stop(TrainResult result) { }

    /// <summary>Wall time of each step after the warm-up.</summary>
    public List<double> TimedStepSeconds() => stepSeconds;
}
