// Reference run of hnswlib (Debian libhnswlib-dev headers) on the same .fvecs/.ivecs files as
// `reco bench ann`: build on N threads, then single-thread QPS and recall@10 per ef. Writes JSON.
// Usage: hnswlib_bench BASE QUERY TRUTH M EF_CONSTRUCTION EF_LIST THREADS OUT.json
#include <hnswlib/hnswlib.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

static std::vector<float> read_vecs(const char* path, int& count, int& dim) {
    std::ifstream in(path, std::ios::binary);
    if (!in) { std::fprintf(stderr, "cannot open %s\n", path); std::exit(2); }
    in.seekg(0, std::ios::end);
    size_t bytes = in.tellg();
    in.seekg(0);
    in.read(reinterpret_cast<char*>(&dim), 4);
    count = (int)(bytes / (4 + 4 * (size_t)dim));
    std::vector<float> data((size_t)count * dim);
    in.seekg(0);
    for (int i = 0; i < count; i++) {
        int d;
        in.read(reinterpret_cast<char*>(&d), 4);
        in.read(reinterpret_cast<char*>(&data[(size_t)i * dim]), 4 * (size_t)dim);
    }
    return data;
}

static long rss_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 9) { std::fprintf(stderr, "usage: BASE QUERY TRUTH M EF_CONSTRUCTION EF_LIST THREADS OUT\n"); return 2; }
    int n, dim, nq, qdim, nt, tk;
    std::vector<float> base = read_vecs(argv[1], n, dim);
    std::vector<float> query = read_vecs(argv[2], nq, qdim);
    std::vector<float> truth_raw = read_vecs(argv[3], nt, tk);
    const int* truth = reinterpret_cast<const int*>(truth_raw.data());
    int m = std::atoi(argv[4]), efc = std::atoi(argv[5]), threads = std::atoi(argv[7]);
    std::vector<int> efs;
    { std::stringstream ss(argv[6]); std::string item; while (std::getline(ss, item, ',')) efs.push_back(std::stoi(item)); }

    long rss_before = rss_bytes();
    hnswlib::InnerProductSpace space(dim);
    auto* index = new hnswlib::HierarchicalNSW<float>(&space, n, m, efc, 42);
    auto start = std::chrono::steady_clock::now();
    index->addPoint(base.data(), 0);
    std::atomic<int> next(1);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++)
        pool.emplace_back([&] {
            for (int i = next++; i < n; i = next++) index->addPoint(base.data() + (size_t)i * dim, i);
        });
    for (auto& th : pool) th.join();
    double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    long index_bytes = rss_bytes() - rss_before;
    std::printf("hnswlib: built in %.2f s; RSS grew %.1f MB\n", build, index_bytes / 1e6);

    std::FILE* out = std::fopen(argv[8], "w");
    std::fprintf(out, "{\n  \"implementation\": \"hnswlib\",\n  \"n\": %d, \"d\": %d, \"queries\": %d, \"m\": %d, \"ef_construction\": %d, \"threads\": %d,\n",
                 n, dim, nq, m, efc, threads);
    std::fprintf(out, "  \"build_seconds\": %.4f,\n  \"index_bytes\": %ld,\n  \"runs\": [", build, index_bytes);
    for (size_t e = 0; e < efs.size(); e++) {
        index->setEf(efs[e]);
        for (int i = 0; i < std::min(nq, 500); i++) index->searchKnn(query.data() + (size_t)i * dim, 10);
        long found = 0;
        double elapsed = 0;
        for (int i = 0; i < nq; i++) {
            auto t0 = std::chrono::steady_clock::now();
            auto result = index->searchKnn(query.data() + (size_t)i * dim, 10);
            elapsed += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            while (!result.empty()) {
                int id = (int)result.top().second;
                result.pop();
                for (int j = 0; j < 10; j++) if (truth[(size_t)i * tk + j] == id) { found++; break; }
            }
        }
        double recall = found / (10.0 * nq), qps = nq / elapsed;
        std::printf("  ef %4d: recall@10 %.4f  %9.0f q/s\n", efs[e], recall, qps);
        std::fprintf(out, "%s\n    { \"ef\": %d, \"recall_at_10\": %.6f, \"qps\": %.1f }", e ? "," : "", efs[e], recall, qps);
    }
    std::fprintf(out, "\n  ]\n}\n");
    std::fclose(out);
    delete index;
    return 0;
}
