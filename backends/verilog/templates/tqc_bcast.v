// tqc_bcast: a binary op's smaller operand broadcast to the result's shape. Per image, the
// operand's M elements load into a memory (in order), then the result's elements stream out
// in row-major order, each read from word i0*O0 + i1*O1 + i2*O2 + i3*O3 of the memory: the
// result's axes in four groups of sizes S0..S3 (outermost first; adjacent axes merged when
// both are broadcast or both are not; padded with size-1 groups), O_k = 0 for a broadcast
// group, else the group's stride in the operand. Cycles per image: M + S0*S1*S2*S3 + 2.
module tqc_bcast #(
    parameter M = 1,                              // operand elements
    parameter MAW = 1,                            // memory address width
    parameter S0 = 1, S1 = 1, S2 = 1, S3 = 1,     // result group sizes
    parameter O0 = 0, O1 = 0, O2 = 0, O3 = 0,     // operand strides (0: broadcast)
    parameter IW = 1,                             // group counter width
    parameter W = 8
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [W-1:0] in_data,
    output out_valid,
    input out_ready,
    output [W-1:0] out_data
);
    localparam integer L0_I = S0 - 1, L1_I = S1 - 1, L2_I = S2 - 1, L3_I = S3 - 1;
    localparam [IW-1:0] L0 = L0_I[IW-1:0], L1 = L1_I[IW-1:0], L2 = L2_I[IW-1:0], L3 = L3_I[IW-1:0];
    localparam integer LAST_M_I = M - 1;
    localparam [MAW-1:0] LAST_M = LAST_M_I[MAW-1:0];

    reg loading;                // load the operand, else stream the result
    reg [MAW-1:0] wr_addr;
    reg [W-1:0] mem [0:M-1];
    wire wr = in_valid && loading;
    assign in_ready = loading;
    always @(posedge clk) if (wr) mem[wr_addr] <= in_data;

    reg [IW-1:0] i0, i1, i2, i3;
    reg rd_more;                // result elements left to read
    reg q_valid;
    reg [W-1:0] q;
    wire rd = !loading && rd_more && (!q_valid || out_ready);
    wire last = i0 == L0 && i1 == L1 && i2 == L2 && i3 == L3;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] addr32 = {{(32-IW){1'b0}}, i0} * O0 + {{(32-IW){1'b0}}, i1} * O1
                       + {{(32-IW){1'b0}}, i2} * O2 + {{(32-IW){1'b0}}, i3} * O3;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) if (rd) q <= mem[addr32[MAW-1:0]];

    always @(posedge clk) begin
        if (rst) begin
            loading <= 1'b1;
            wr_addr <= {MAW{1'b0}};
            rd_more <= 1'b0;
            q_valid <= 1'b0;
            i0 <= {IW{1'b0}};
            i1 <= {IW{1'b0}};
            i2 <= {IW{1'b0}};
            i3 <= {IW{1'b0}};
        end else begin
            if (wr) begin
                wr_addr <= wr_addr == LAST_M ? {MAW{1'b0}} : wr_addr + 1'b1;
                if (wr_addr == LAST_M) begin
                    loading <= 1'b0;
                    rd_more <= 1'b1;
                end
            end
            if (rd) begin
                q_valid <= 1'b1;
                if (last) rd_more <= 1'b0;
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
            end else if (out_ready) begin
                q_valid <= 1'b0;
            end
            // the next image loads once the last element has been read and handed on
            if (!loading && !rd_more && (!q_valid || out_ready)) loading <= 1'b1;
        end
    end
    assign out_valid = q_valid;
    assign out_data = q;
endmodule
