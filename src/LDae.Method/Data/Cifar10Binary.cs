using System.Formats.Tar;
using System.IO.Compression;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// CIFAR-10 (Krizhevsky 2009) in its official binary version: <c>cifar-10-binary.tar.gz</c> holding
/// <c>cifar-10-batches-bin/data_batch_1..5.bin</c> (train, 50,000) and <c>test_batch.bin</c> (10,000).
/// Each record is 1 label byte followed by 3072 pixel bytes: the 32×32 red plane, then green, then blue
/// (row-major), i.e. already C×H×W.
/// </summary>
/// <remarks>
/// Looked for in <c>&lt;cache&gt;/cifar10/</c> as the archive (read by streaming, never extracted) or as the
/// extracted <c>cifar-10-batches-bin</c> folder. <see cref="Fetch"/> downloads the archive there and checks the
/// published MD5; an archive already present is trusted.
/// </remarks>
public static class Cifar10Binary
{
    public const string Name = "cifar10";
    public const string ArchiveName = "cifar-10-binary.tar.gz";
    public const string Url = "https://www.cs.toronto.edu/~kriz/";
    public const string Md5 = "c32a1d4ab5d03f1284b67883e8d87530";
    public const string BatchFolder = "cifar-10-batches-bin";
    public const int ImageBytes = 3 * 32 * 32;
    public const int RecordBytes = 1 + ImageBytes;

    public static readonly IReadOnlyList<string> ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    static readonly string[] TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
    const string TestFile = "test_batch.bin";

    public static string CacheSubdir(string cacheDir) => System.IO.Path.Combine(cacheDir, Name);

    /// <summary>The archive or extracted batch folder in the cache, or null.</summary>
    public static string? Find(string cacheDir)
    {
        var archive = System.IO.Path.Combine(CacheSubdir(cacheDir), ArchiveName);
        if (File.Exists(archive)) return archive;
        var folder = System.IO.Path.Combine(CacheSubdir(cacheDir), BatchFolder);
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>Downloads the official archive into the cache (MD5-checked) and returns its path.</summary>
    public static string Fetch(string cacheDir, IReadOnlyList<string>? mirrors = null, TextWriter? log = null)
    {
        var archive = System.IO.Path.Combine(CacheSubdir(cacheDir), ArchiveName);
        string how = $"Put the official {ArchiveName} ({Url}{ArchiveName}, MD5 {Md5}) into {CacheSubdir(cacheDir)}, " +
                     $"or point {Datasets.Cifar10PathVariable} (or --set data.path=…) at a CIFAR-10 copy in ImageFolder form (a folder, .tar or .tar.gz with train/ and test/ by class).";
        Download.FileWithMd5(mirrors ?? [Url], ArchiveName, archive, Md5, how, log);
        return archive;
    }

    /// <summary>Reads both splits from the archive (.tar.gz or .tar) or from an extracted batch folder.</summary>
    public static DatasetSplits Read(string path)
    {
        var files = Directory.Exists(path) ? ReadFolder(path) : ReadArchive(path);
        var missing = TrainFiles.Append(TestFile).Where(f => !files.ContainsKey(f)).ToList();
        if (missing.Count > 0)
            throw new DatasetException(path, $"incomplete CIFAR-10 binary: missing {string.Join(", ", missing)}");

        var train = Concatenate($"{Name}/train", TrainFiles.Select(f => ParseBatch(files[f], $"{path}/{f}")).ToList());
        try { return new DatasetSplits(train, Concatenate($"{Name}/test", [ParseBatch(files[TestFile], $"{path}/{TestFile}")])); }
        catch { train.Dispose(); throw; }
    }

    /// <summary>
    /// Parses one batch file's bytes (records of <see cref="RecordBytes"/>) into pixels N×3×32×32 and labels N.
    /// <paramref name="fileName"/> is only used in error messages.
    /// </summary>
    public static (byte[] Pixels, long[] Labels) ParseBatch(byte[] data, string fileName)
    {
        if (data.Length == 0 || data.Length % RecordBytes != 0)
            throw new DatasetException(fileName,
                $"truncated CIFAR-10 record: {data.Length} bytes is not a whole number of {RecordBytes}-byte records " +
                $"({data.Length / RecordBytes} complete, {data.Length % RecordBytes} bytes left over)");
        int n = data.Length / RecordBytes;
        var pixels = new byte[(long)n * ImageBytes];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int label = data[i * RecordBytes];
            if (label >= ClassNames.Count)
                throw new DatasetException(fileName, $"record {i} has label byte {label} (expected 0..{ClassNames.Count - 1})");
            labels[i] = label;
            Buffer.BlockCopy(data, i * RecordBytes + 1, pixels, i * ImageBytes, ImageBytes);
        }
        return (pixels, labels);
    }

    static ImageDataset Concatenate(string name, IReadOnlyList<(byte[] Pixels, long[] Labels)> batches)
    {
        var pixels = batches.SelectMany(b => b.Pixels).ToArray();
        var labels = batches.SelectMany(b => b.Labels).ToArray();
        using var scope = NewDisposeScope();
        return new ImageDataset(name, tensor(pixels, [labels.Length, 3, 32, 32], ScalarType.Byte), tensor(labels, ScalarType.Int64), ClassNames);
    }

    static Dictionary<string, byte[]> ReadFolder(string folder) =>
        TrainFiles.Append(TestFile)
            .Select(f => System.IO.Path.Combine(folder, f))
            .Where(File.Exists)
            .ToDictionary(p => System.IO.Path.GetFileName(p), p => File.ReadAllBytes(p));

    static Dictionary<string, byte[]> ReadArchive(string archive)
    {
        if (!File.Exists(archive)) throw new DatasetException(archive, "file not found");
        var wanted = TrainFiles.Append(TestFile).ToHashSet();
        var files = new Dictionary<string, byte[]>();
        try
        {
            using var tar = new TarReader(ArchiveStreams.OpenMaybeGzip(archive));
            while (tar.GetNextEntry() is { } entry)
            {
                var fileName = System.IO.Path.GetFileName(entry.Name);
                if (!ArchiveStreams.IsFile(entry) || !wanted.Contains(fileName) || entry.DataStream is null) continue;
                using var buffer = new MemoryStream((int)entry.Length);
                entry.DataStream.CopyTo(buffer);
                files[fileName] = buffer.ToArray();
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new DatasetException(archive, $"corrupt or truncated archive ({e.Message})", e);
        }
        return files;
    }
}
