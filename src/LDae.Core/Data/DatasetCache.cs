using System.Text;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// The decoded dataset on disk, so that decoding (gzip, JPEG, resizing) happens once per machine.
/// One file holds both splits; it is written to a temporary name and renamed into place, so a file with the
/// final name is always complete — an interrupted prepare leaves only a temporary file, which readers ignore.
/// </summary>
/// <remarks>
/// Format (little-endian): magic "LDAEDATA", int32 version, string key, int32 class count + class names,
/// then per split: string name, int32 N, C, H, W, N int64 labels, N·C·H·W uint8 pixels; then "LDAE-END".
/// Strings are .NET BinaryWriter strings (7-bit length prefix, UTF-8). The key records what the file was
/// built from (dataset, source, size, limit); a file whose key, version or length does not match is rebuilt.
/// </remarks>
public static class DatasetCache
{
    public const int Version = 1;
    public const string Extension = ".ldds";
    static readonly byte[] Magic = "LDAEDATA"u8.ToArray();
    static readonly byte[] EndMagic = "LDAE-END"u8.ToArray();
    const int ChunkImages = 4096; // pixels move between file and tensor in slices, never as one giant array

    /// <summary>Writes <paramref name="splits"/> atomically to <paramref name="path"/> (temp file + rename).</summary>
    public static void Write(string path, string key, DatasetSplits splits)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = TempName(path);
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(Version);
                w.Write(key);
                w.Write(splits.Train.ClassNames.Count);
                foreach (var c in splits.Train.ClassNames) w.Write(c);
                foreach (var split in new[] { splits.Train, splits.Test })
                {
                    w.Write(split.Name);
                    w.Write(split.Count);
                    w.Write(split.Channels);
                    w.Write(split.Height);
                    w.Write(split.Width);
                    w.Flush();
                    file.Write(split.Labels.bytes);
                    for (long start = 0; start < split.Count; start += ChunkImages)
                    {
                        using var chunk = split.Images.narrow(0, start, Math.Min(ChunkImages, split.Count - start));
                        file.Write(chunk.bytes);
                    }
                }
                w.Write(EndMagic);
                w.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Reads the cache at <paramref name="path"/> if it exists and was built for <paramref name="key"/>;
    /// null if it is missing, stale or damaged (the reason goes to <paramref name="log"/>).
    /// </summary>
    public static DatasetSplits? TryRead(string path, string key, TextWriter? log = null)
    {
        if (!File.Exists(path)) return null;
        ImageDataset? train = null;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var r = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) return Stale(log, path, "not a dataset cache file");
            int version = r.ReadInt32();
            if (version != Version) return Stale(log, path, $"format version {version}, expected {Version}");
            var fileKey = r.ReadString();
            if (fileKey != key) return Stale(log, path, $"built from '{fileKey}', wanted '{key}'");
            int classCount = r.ReadInt32();
            if (classCount is <= 0 or > 1_000_000) return Stale(log, path, $"implausible class count {classCount}");
            var classes = Enumerable.Range(0, classCount).Select(_ => r.ReadString()).ToArray();

            train = ReadSplit(file, r, classes, path);
            if (train is null) return Stale(log, path, "truncated or damaged train split");
            var test = ReadSplit(file, r, classes, path);
            if (test is null) { train.Dispose(); return Stale(log, path, "truncated or damaged test split"); }
            if (!r.ReadBytes(EndMagic.Length).AsSpan().SequenceEqual(EndMagic) || file.Position != file.Length)
            {
                train.Dispose();
                test.Dispose();
                return Stale(log, path, "missing end marker (truncated or damaged)");
            }
            return new DatasetSplits(train, test);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            train?.Dispose();
            return Stale(log, path, $"unreadable ({e.Message})");
        }
    }

    static ImageDataset? ReadSplit(FileStream file, BinaryReader r, string[] classes, string path)
    {
        var name = r.ReadString();
        int n = r.ReadInt32(), c = r.ReadInt32(), h = r.ReadInt32(), w = r.ReadInt32();
        if (n < 0 || c <= 0 || h <= 0 || w <= 0) return null;
        long needed = n * 8L + (long)n * c * h * w;
        if (file.Length - file.Position < needed) return null;

        using var scope = NewDisposeScope();
        var labels = empty(n, ScalarType.Int64);
        file.ReadExactly(labels.bytes);
        var images = empty([n, c, h, w], ScalarType.Byte);
        for (long start = 0; start < n; start += ChunkImages)
        {
            using var chunk = images.narrow(0, start, Math.Min(ChunkImages, n - start));
            file.ReadExactly(chunk.bytes);
        }
        return new ImageDataset(name, images, labels, classes);
    }

    static DatasetSplits? Stale(TextWriter? log, string path, string why)
    {
        log?.WriteLine($"[data] ignoring cache {path}: {why}; rebuilding");
        return null;
    }

    /// <summary>A unique temporary name beside <paramref name="path"/>; never matched by readers.</summary>
    public static string TempName(string path) => $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
}
