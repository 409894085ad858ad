/*
 * host: one sample of the host's metrics, as the host collectors fill it and the encoders
 * read it. Plain data with fixed-size tables (no pointers), so a sample can be copied,
 * kept as "the previous one" and read by another module without ownership questions.
 * A figure that could not be measured has its valid flag false and is shown as null.
 */
#ifndef VIGIL_HOST_H
#define VIGIL_HOST_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_MAX_CPUS   1024
#define HOST_MAX_DISKS  128
#define HOST_MAX_IFACES 256 /* container hosts have a veth per container */
#define HOST_NAME_LEN   32  /* device and interface names, NUL included (IFNAMSIZ is 16) */

/* 1 MiB: every *_mbps figure is bytes per second divided by this, as the seed computes it. */
#define HOST_MIB 1048576.0

struct cpu_sample {
    bool valid;                 /* false on the first cycle: utilisation needs two readings */
    unsigned n_cores;           /* entries in per_core; cores are numbered 0..n_cores-1 */
    double overall_utilization; /* percent, 0..100, all cores together */
    double per_core_utilization[HOST_MAX_CPUS]; /* percent; NaN: offline, or no interval yet */
};

struct mem_sample {
    bool valid;
    uint64_t ram_total;     /* bytes, MemTotal */
    uint64_t ram_used;      /* bytes, MemTotal - MemAvailable */
    uint64_t ram_available; /* bytes */
    uint64_t swap_total;    /* bytes */
    uint64_t swap_used;     /* bytes, SwapTotal - SwapFree */
};

struct disk_device {
    char name[HOST_NAME_LEN];
    bool rate_valid;       /* false on the device's first cycle */
    double read_rate_mbps; /* MiB/s over the last interval */
    double write_rate_mbps;
    uint64_t read_bytes; /* cumulative since boot (for Prometheus counters) */
    uint64_t write_bytes;
};

struct disk_sample {
    bool valid;            /* the source was read */
    bool rate_valid;       /* totals have a rate (false on the first cycle) */
    double read_rate_mbps; /* sum over whole physical disks */
    double write_rate_mbps;
    unsigned n_devices;
    struct disk_device devices[HOST_MAX_DISKS];
};

struct net_iface {
    char name[HOST_NAME_LEN];
    bool rate_valid;
    double upload_rate_mbps;   /* transmitted, MiB/s */
    double download_rate_mbps; /* received, MiB/s */
    uint64_t tx_bytes;         /* cumulative */
    uint64_t rx_bytes;
};

struct net_sample {
    bool valid;
    bool rate_valid;
    double upload_rate_mbps; /* sum over interfaces, loopback left out */
    double download_rate_mbps;
    unsigned n_ifaces;
    struct net_iface ifaces[HOST_MAX_IFACES];
};

struct load_sample {
    bool valid;
    double load1, load5, load15;
    uint32_t procs_running;
    uint32_t procs_total;
};

struct host_sample {
    int64_t ts_ms;   /* real time of the reading, unix ms */
    int64_t mono_ns; /* monotonic time of the reading */
    struct cpu_sample cpu;
    struct mem_sample mem;
    struct disk_sample disk;
    struct net_sample net;
    struct load_sample load;
};

#endif
