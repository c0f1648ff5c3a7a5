// tqc_tensor_buffer: one whole tensor of N elements, double buffered (2N words of block RAM):
// tensor n+1 streams in (one element per beat, row-major) while tensor n is read at any
// addresses. `full`: the read bank holds a whole tensor; `done` (one cycle): the reader is
// done with it (the read bank flips and may load again). Reads are registered (rd_en).
module tqc_tensor_buffer #(
    parameter W = 8,
    parameter N = 1,            // elements of one tensor
    parameter AW = 1            // address width of one tensor (N <= 2^AW)
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [W-1:0] in_data,
    output full,
    input done,
    input rd_en,
    input [AW-1:0] rd_addr,
    output reg [W-1:0] rd_data
);
    localparam integer LAST_I = N - 1;
    localparam [AW-1:0] LAST = LAST_I[AW-1:0];
    localparam integer N_I = N;
    localparam [AW:0] BASE = N_I[AW:0];
    // words addressed by the AW+1 address bits: 2N, or 4 for N = 1 (AW is at least 1)
    localparam integer WORDS = N == 1 ? 4 : 2 * N;
    reg [W-1:0] mem [0:WORDS-1];
    reg [AW-1:0] wptr;
    reg wbank, rbank;
    reg [1:0] loaded;
    wire wr = in_valid && in_ready;
    wire [AW:0] waddr = wbank ? BASE + {1'b0, wptr} : {1'b0, wptr};
    wire [AW:0] raddr = rbank ? BASE + {1'b0, rd_addr} : {1'b0, rd_addr};
    assign in_ready = !loaded[wbank];
    assign full = loaded[rbank];
    always @(posedge clk) begin
        if (wr) mem[waddr] <= in_data;
        if (rd_en) rd_data <= mem[raddr];
    end
    always @(posedge clk) begin
        if (rst) begin
            wptr <= {AW{1'b0}};
            wbank <= 1'b0;
            rbank <= 1'b0;
            loaded <= 2'b00;
        end else begin
            // the bank being written is never the one done with (it is not loaded)
            if (wr && wptr == LAST) loaded[wbank] <= 1'b1;
            if (done) loaded[rbank] <= 1'b0;
            if (wr) wptr <= wptr == LAST ? {AW{1'b0}} : wptr + 1'b1;
            if (wr && wptr == LAST) wbank <= !wbank;
            if (done) rbank <= !rbank;
        end
    end
endmodule
