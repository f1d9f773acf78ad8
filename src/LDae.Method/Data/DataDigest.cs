using System.Security.Cryptography;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// The content digest of a dataset: what a row trains and is evaluated on, independent of where the data came from.
/// Two copies that decode to the same pixels and labels have the same digest, whatever their path, file names,
/// modification times, archive format (folder, .tar, .tar.gz, the official binary) or cache file; one changed pixel
/// or label changes it. A result records it (<c>data_digest</c>) and is out of date when the data's digest now differs.
/// </summary>
/// <remarks>
/// <para>The canonical layout: SHA-256 (lowercase hex) of the bytes below, integers little-endian.</para>
/// <list type="number">
/// <item>The ASCII tag <c>ldae-data-digest-1</c> and a line feed (another layout gets another tag).</item>
/// <item>For the train split, then the test split: int32 N, C, H, W; then the N labels as int64 class indices in
/// the split's order; then the N·C·H·W pixels as uint8, image after image, each image channel-major (C planes of H
/// rows of W pixels), as <see cref="ImageDataset.Images"/> holds them.</item>
/// </list>
/// <para>Class names, split names, the source and the cache key are not part of it: they do not change what is
/// trained. The digest is of the whole cached splits; the seeded subsets a row cuts from them are fixed by its
/// configuration, whose hash the result records beside it. It is computed once per cache file and stored beside it
/// (<see cref="CachedDataDigest"/>), so a run does not hash the data again.</para>
/// </remarks>
public static class DataDigest
{
    public const string Tag = "ldae-data-digest-1\n";
    const int ChunkImages = 4096;

    /// <summary>The content digest of <paramref name="splits"/> (lowercase hex).</summary>
    public static string Of(DatasetSplits splits)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the data digest is defined on little-endian bytes");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.ASCII.GetBytes(Tag));
        foreach (var split in new[] { splits.Train, splits.Test }) Append(sha, split);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    static void Append(IncrementalHash sha, ImageDataset split)
    {
        Span<byte> shape = stackalloc byte[16];
        BitConverter.TryWriteBytes(shape[..4], split.Count);
        BitConverter.TryWriteBytes(shape[4..8], split.Channels);
        BitConverter.TryWriteBytes(shape[8..12], split.Height);
        BitConverter.TryWriteBytes(shape[12..], split.Width);
        sha.AppendData(shape);
        sha.AppendData(split.Labels.bytes); // int64, contiguous: the dataset holds them so (ImageDataset)
        for (long start = 0; start < split.Count; start += ChunkImages)
        {
            using var chunk = split.Images.narrow(0, start, Math.Min(ChunkImages, split.Count - start));
            sha.AppendData(chunk.bytes);
        }
    }
}
