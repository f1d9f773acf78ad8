using LDae.Files;
using System.Text.Json;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// The bookkeeping a resumed run needs besides the tensors: how far it got, and the partial log interval.
/// </summary>
public sealed record CheckpointState
{
    /// <summary>Completed optimizer steps.</summary>
    public long Step { get; init; }
    public long ImagesSeen { get; init; }
    public double ElapsedSeconds { get; init; }

    /// <summary>Length in bytes of log.jsonl when the checkpoint was written; a resumed run truncates the log
    /// there, so lines written after the checkpoint (and replayed) do not appear twice.</summary>
    public long LogBytes { get; init; }

    /// <summary>Sums over the steps since the last log line (so the next line is the same as without the interruption).</summary>
    public double PendingLossSum { get; init; }
    public int PendingSteps { get; init; }
    public Dictionary<string, double> PendingPartSums { get; init; } = [];

    /// <summary>The defining options of the run, to refuse resuming with a different recipe.</summary>
    public string OptionsFingerprint { get; init; } = "";
}

/// <summary>
/// One file holding everything needed to continue a run bit-for-bit: model state, optimizer state (AdamW
/// moments and step counts), EMA weights, and <see cref="CheckpointState"/>. Written atomically with its SHA-256
/// beside it (<see cref="VerifiedFile"/>) and read only when it matches it, so a resumed run continues from exactly
/// the state that was saved; a damaged, truncated or unverified checkpoint is discarded and the run starts over.
/// </summary>
public static class Checkpoint
{
    public const string FileName = "checkpoint.bin";
    const string Magic = "LDAE-CHECKPOINT";
    const int Version = 2;
    const string EndMarker = "END";

    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, FileName);

    /// <summary>True if the run directory holds a checkpoint to resume from: one that matches its SHA-256 (a leftover temp file does not count).</summary>
    public static bool ExistsIn(string runDirectory) => VerifiedFile.Check(PathIn(runDirectory)).Usable;

    /// <summary>
    /// Removes the checkpoint at <paramref name="path"/> when it cannot be resumed from — changed, truncated, or
    /// without its SHA-256 — and says which file and why; null when there is none or it is sound.
    /// </summary>
    public static string? DiscardIfUnusable(string path)
    {
        var check = VerifiedFile.Check(path);
        if (check.Usable || !check.Exists) return null;
        VerifiedFile.Delete(path);
        return check.ToString();
    }

    public static void Save(string path, CheckpointState state, nn.Module model, OptimizerHelper optimizer, Ema? ema) =>
        VerifiedFile.WriteBinary(path, w =>
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(JsonSerializer.Serialize(state));
            model.save(w);
            optimizer.save_state_dict(w);
            w.Write(ema is not null);
            ema?.Save(w);
            w.Write(EndMarker);
        });

    /// <summary>Only the bookkeeping (cheap: stops before the tensors).</summary>
    public static CheckpointState ReadState(string path)
    {
        using var r = new BinaryReader(VerifiedFile.OpenRead(path));
        return ReadHeader(r, path);
    }

    /// <summary>Restores model, optimizer and EMA in place and returns the bookkeeping.</summary>
    public static CheckpointState Load(string path, nn.Module model, OptimizerHelper optimizer, Ema? ema)
    {
        using var r = new BinaryReader(VerifiedFile.OpenRead(path));
        var state = ReadHeader(r, path);
        model.load(r);
        optimizer.load_state_dict(r);
        bool hasEma = r.ReadBoolean();
        if (hasEma != ema is not null)
            throw new InvalidDataException($"{path}: checkpoint {(hasEma ? "has" : "has no")} EMA but the run {(ema is null ? "has none" : "has one")}");
        ema?.Load(r);
        if (r.ReadString() != EndMarker) throw new InvalidDataException($"{path}: truncated checkpoint");
        return state;
    }

    static CheckpointState ReadHeader(BinaryReader r, string path)
    {
        if (r.ReadString() != Magic) throw new InvalidDataException($"{path} is not an LDae checkpoint");
        int version = r.ReadInt32();
        if (version != Version) throw new InvalidDataException($"{path}: checkpoint version {version}, expected {Version}");
        return JsonSerializer.Deserialize<CheckpointState>(r.ReadString())
               ?? throw new InvalidDataException($"{path}: empty checkpoint state");
    }
}
