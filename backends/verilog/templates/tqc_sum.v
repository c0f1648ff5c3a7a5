// tqc_sum: a sum over some axes of a streamed tensor (tqi.sum: MEAN, global average pooling),
// int32 accumulators that wrap as C's int32 additions do.
//
// The input tensor, seen as four axis groups of sizes S0..S3 (outermost first; the emitter
// merges adjacent axes that are both kept or both reduced and pads with size-1 groups), arrives
// one XW-bit element per beat in row-major order. Element (i0, i1, i2, i3) adds to accumulator
// i0*O0 + i1*O1 + i2*O2 + i3*O3 (O_k = 0 for a reduced group, else the output stride of the
// group), which is the row-major output position. An element whose reduced indices are all 0
// starts its accumulator. The accumulators are one memory of M words (a registered read, a
// write one cycle later, the last write forwarded to a read of the same word).
// After the image's last element: one cycle for its write, then the M sums stream out one per
// beat in order; then the next image. Cycles per image: S0*S1*S2*S3 + M + 2.
module tqc_sum #(
    parameter S0 = 1, S1 = 1, S2 = 1, S3 = 1,     // group sizes
    parameter O0 = 0, O1 = 0, O2 = 0, O3 = 0,     // output strides (0: a reduced group)
    parameter M = 1,                              // outputs (accumulators)
    parameter MAW = 1,                            // accumulator address width
    parameter IW = 1,                             // width of the group counters
    parameter XW = 32,
    parameter XSIGNED = 1
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [31:0] out_data
);
    localparam integer L0_I = S0 - 1, L1_I = S1 - 1, L2_I = S2 - 1, L3_I = S3 - 1;
    localparam [IW-1:0] L0 = L0_I[IW-1:0], L1 = L1_I[IW-1:0], L2 = L2_I[IW-1:0], L3 = L3_I[IW-1:0];
    localparam integer LAST_M_I = M - 1;
    localparam [MAW-1:0] LAST_M = LAST_M_I[MAW-1:0];
    localparam [1:0] S_ACC = 2'd0, S_FLUSH = 2'd1, S_DRAIN = 2'd2;

    reg [1:0] state;
    reg [IW-1:0] i0, i1, i2, i3;
    wire take = in_valid && state == S_ACC;
    assign in_ready = state == S_ACC;
    wire last = i0 == L0 && i1 == L1 && i2 == L2 && i3 == L3;
    wire first = (O0 != 0 || i0 == {IW{1'b0}}) && (O1 != 0 || i1 == {IW{1'b0}})
              && (O2 != 0 || i2 == {IW{1'b0}}) && (O3 != 0 || i3 == {IW{1'b0}});
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] addr32 = {{(32-IW){1'b0}}, i0} * O0 + {{(32-IW){1'b0}}, i1} * O1
                       + {{(32-IW){1'b0}}, i2} * O2 + {{(32-IW){1'b0}}, i3} * O3;
    /* verilator lint_on UNUSEDSIGNAL */

    always @(posedge clk) begin
        if (rst) begin
            i0 <= {IW{1'b0}};
            i1 <= {IW{1'b0}};
            i2 <= {IW{1'b0}};
            i3 <= {IW{1'b0}};
        end else if (take) begin
            if (i3 != L3) i3 <= i3 + 1'b1;
            else begin
                i3 <= {IW{1'b0}};
                if (i2 != L2) i2 <= i2 + 1'b1;
                else begin
                    i2 <= {IW{1'b0}};
                    if (i1 != L1) i1 <= i1 + 1'b1;
                    else begin
                        i1 <= {IW{1'b0}};
                        if (i0 != L0) i0 <= i0 + 1'b1;
                        else i0 <= {IW{1'b0}};
                    end
                end
            end
        end
    end

    // ---- accumulate: read (at the take), add and write (next cycle) ---------------------
    reg [31:0] acc [0:M-1];
    reg [31:0] rq;
    reg p_valid, p_first;
    reg [MAW-1:0] p_addr;
    reg [31:0] p_x;
    reg w_valid;
    reg [MAW-1:0] w_addr;
    reg [31:0] w_sum;
    reg [MAW-1:0] rd_addr;      // drain: next word to read
    reg rd_more;                // drain: words left to read
    reg q_valid;                // drain: rq holds an output
    wire rd_en = state == S_DRAIN && rd_more && (!q_valid || out_ready);
    wire [31:0] x32 = {{(32-XW){XSIGNED != 0 && in_data[XW-1]}}, in_data};
    wire [31:0] old = w_valid && w_addr == p_addr ? w_sum : rq;
    wire [31:0] sum = (p_first ? 32'd0 : old) + p_x;

    always @(posedge clk) begin
        if (take) rq <= acc[addr32[MAW-1:0]];
        else if (rd_en) rq <= acc[rd_addr];
        if (p_valid) acc[p_addr] <= sum;
    end

    always @(posedge clk) begin
        if (rst) begin
            state <= S_ACC;
            p_valid <= 1'b0;
            w_valid <= 1'b0;
            q_valid <= 1'b0;
            rd_more <= 1'b0;
            rd_addr <= {MAW{1'b0}};
        end else begin
            p_valid <= take;
            if (take) begin
                p_first <= first;
                p_addr <= addr32[MAW-1:0];
                p_x <= x32;
            end
            if (p_valid) begin
                w_valid <= 1'b1;
                w_addr <= p_addr;
                w_sum <= sum;
            end
            case (state)
                S_ACC: if (take && last) state <= S_FLUSH;
                S_FLUSH: begin
                    state <= S_DRAIN;
                    rd_addr <= {MAW{1'b0}};
                    rd_more <= 1'b1;
                end
                default: begin  // S_DRAIN
                    if (rd_en) begin
                        rd_addr <= rd_addr + 1'b1;
                        rd_more <= rd_addr != LAST_M;
                        q_valid <= 1'b1;
                    end else if (out_ready) begin
                        q_valid <= 1'b0;
                    end
                    if (!rd_more && (!q_valid || out_ready)) state <= S_ACC;
                end
            endcase
        end
    end

    assign out_valid = q_valid;
    assign out_data = rq;
endmodule
