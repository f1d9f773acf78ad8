using LDae.Files;
using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Harness;

public class RowStagingTests
{
    [Fact]
    public void A_resumed_staging_folder_keeps_its_work_and_drops_the_writes_a_killed_run_left_half_done()
    {
        var root = Directory.CreateTempSubdirectory("ldae-staging-").FullName;
        try
        {
            var row = new ResultStore(root).Row("ci", "table3/pca-ddm");
            var staging = RowStaging.Open(row, "h1", fresh: false).Files;
            var checkpoint = Path.Combine(staging.Dir, "checkpoint.bin");
            File.WriteAllBytes(checkpoint, [1, 2, 3]);
            var halfWritten = AtomicFile.TempName(checkpoint);
            File.WriteAllBytes(halfWritten, [1]);

            RowStaging.Open(row, "h1", fresh: false);
            Assert.True(File.Exists(checkpoint));
            Assert.False(File.Exists(halfWritten));

            RowStaging.Open(row, "h2", fresh: false);           // another configuration: nothing of the old run stays
            Assert.False(File.Exists(checkpoint));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void A_checkpoint_made_on_other_data_is_not_resumed()
    {
        var root = Directory.CreateTempSubdirectory("ldae-staging-").FullName;
        try
        {
            var row = new ResultStore(root).Row("ci", "table3/pca-ddm");
            var staging = RowStaging.Open(row, RowStaging.Identity("h1", "data-a"), fresh: false).Files;
            var checkpoint = Path.Combine(staging.Dir, "checkpoint.bin");
            File.WriteAllBytes(checkpoint, [1, 2, 3]);

            RowStaging.Open(row, RowStaging.Identity("h1", "data-a"), fresh: false);
            Assert.True(File.Exists(checkpoint));
            RowStaging.Open(row, RowStaging.Identity("h1", "data-b"), fresh: false);   // same configuration, other pixels
            Assert.False(File.Exists(checkpoint));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
