/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opcodes.h - instruction encoding and the instruction set of the VM.
 *
 * Every instruction is one 32-bit word, stored little-endian in bytecode:
 *
 *	bit  0       7        15 16       24       31
 *	     | op (7) | A (8)  |k| B (8)  | C (8)  |	iABC
 *	     | op (7) | A (8)  |    Bx (17)         |	iABx, iAsBx
 *	     | op (7) |        sJ (25)             |	isJ
 *
 * sBx and sJ are stored with a bias so that they are unsigned in the word.
 * The opcode table below is the VM's specification: one line per
 * instruction with its semantics.  R[x] is a register of the current frame,
 * K[x] a constant, U[x] an upvalue, G[x] a global slot, RK(x) is K[x] when
 * the k bit is set, else R[x].  The verifier (verify.c) checks every
 * operand against these definitions before anything runs.
 */
#ifndef KTAP_OPCODES_H
#define KTAP_OPCODES_H

#define SIZE_OP		7
#define SIZE_A		8
#define SIZE_B		8
#define SIZE_C		8
#define SIZE_Bx		(SIZE_C + SIZE_B + 1)
#define SIZE_sJ		(SIZE_Bx + SIZE_A)

#define POS_OP		0
#define POS_A		(POS_OP + SIZE_OP)
#define POS_k		(POS_A + SIZE_A)
#define POS_B		(POS_k + 1)
#define POS_C		(POS_B + SIZE_B)
#define POS_Bx		POS_k
#define POS_sJ		POS_A

#define MAXARG_A	((1 << SIZE_A) - 1)
#define MAXARG_B	((1 << SIZE_B) - 1)
#define MAXARG_C	((1 << SIZE_C) - 1)
#define MAXARG_Bx	((1 << SIZE_Bx) - 1)
#define MAXARG_sJ	((1 << SIZE_sJ) - 1)
#define OFFSET_sBx	(MAXARG_Bx >> 1)
#define OFFSET_sJ	(MAXARG_sJ >> 1)
#define OFFSET_sC	(MAXARG_C >> 1)

#define MASK1(n, p)	((~((~(uint32_t)0) << (n))) << (p))
#define GETFIELD_(i, p, n)	((int)(((i) >> (p)) & MASK1(n, 0)))
#define SETFIELD_(i, v, p, n) \
	((i) = (((i) & ~MASK1(n, p)) | (((uint32_t)(v) << (p)) & MASK1(n, p))))

#define GET_OP(i)	GETFIELD_(i, POS_OP, SIZE_OP)
#define GETARG_A(i)	GETFIELD_(i, POS_A, SIZE_A)
#define GETARG_B(i)	GETFIELD_(i, POS_B, SIZE_B)
#define GETARG_C(i)	GETFIELD_(i, POS_C, SIZE_C)
#define GETARG_k(i)	GETFIELD_(i, POS_k, 1)
#define GETARG_Bx(i)	GETFIELD_(i, POS_Bx, SIZE_Bx)
#define GETARG_sBx(i)	(GETARG_Bx(i) - OFFSET_sBx)
#define GETARG_sB(i)	(GETARG_B(i) - OFFSET_sC)
#define GETARG_sC(i)	(GETARG_C(i) - OFFSET_sC)
#define GETARG_sJ(i)	(GETFIELD_(i, POS_sJ, SIZE_sJ) - OFFSET_sJ)
#define GETARG_Ax(i)	GETFIELD_(i, POS_A, SIZE_sJ)

#define SETARG_A(i, v)	SETFIELD_(i, v, POS_A, SIZE_A)
#define SETARG_B(i, v)	SETFIELD_(i, v, POS_B, SIZE_B)
#define SETARG_C(i, v)	SETFIELD_(i, v, POS_C, SIZE_C)
#define SETARG_k(i, v)	SETFIELD_(i, v, POS_k, 1)
#define SETARG_Bx(i, v)	SETFIELD_(i, v, POS_Bx, SIZE_Bx)
#define SETARG_sBx(i, v) SETARG_Bx(i, (unsigned int)((v) + OFFSET_sBx))
#define SETARG_sJ(i, v) \
	SETFIELD_(i, (unsigned int)((v) + OFFSET_sJ), POS_sJ, SIZE_sJ)

#define CREATE_ABCk(o, a, b, c, k) \
	(((uint32_t)(o) << POS_OP) | ((uint32_t)(a) << POS_A) | \
	 ((uint32_t)(b) << POS_B) | ((uint32_t)(c) << POS_C) | \
	 ((uint32_t)(k) << POS_k))
#define CREATE_ABx(o, a, bx) \
	(((uint32_t)(o) << POS_OP) | ((uint32_t)(a) << POS_A) | \
	 ((uint32_t)(bx) << POS_Bx))
#define CREATE_sJ(o, j) \
	(((uint32_t)(o) << POS_OP) | ((uint32_t)((j) + OFFSET_sJ) << POS_sJ))
#define CREATE_Ax(o, ax) \
	(((uint32_t)(o) << POS_OP) | ((uint32_t)(ax) << POS_A))

/* Largest number of registers a function may use. */
#define MAXREGS		250

/* Array items a SETLIST stores per block (C counts blocks). */
#define LFIELDS_PER_FLUSH 50

/*
 * X(name, mode, semantics).  mode is the operand format; the verifier uses
 * the per-opcode rules in verify.c, this column documents the encoding.
 */
#define KTAP_OPCODES(X)							\
	X(MOVE,      ABC, "R[A] := R[B]")					\
	X(LOADI,     AsBx, "R[A] := sBx")					\
	X(LOADK,     ABx, "R[A] := K[Bx]")					\
	X(LOADFALSE, ABC, "R[A] := false")					\
	X(LOADTRUE,  ABC, "R[A] := true")					\
	X(LOADNIL,   ABC, "R[A], ..., R[A+B] := nil")			\
	X(GETUPVAL,  ABC, "R[A] := U[B]")					\
	X(SETUPVAL,  ABC, "U[B] := R[A]")					\
	X(GETGLOBAL, ABx, "R[A] := G[Bx]")					\
	X(SETGLOBAL, ABx, "G[Bx] := R[A]")					\
	X(GETTABLE,  ABC, "R[A] := R[B][R[C]]")				\
	X(GETINT,    ABC, "R[A] := R[B][C]")				\
	X(GGETTABLE, ABC, "R[A] := G[B][R[C]]")				\
	X(GETFIELD,  ABC, "R[A] := R[B][K[C]:string]")			\
	X(SETTABLE,  ABC, "R[A][R[B]] := RK(C)")				\
	X(SETINT,    ABC, "R[A][B] := RK(C)")				\
	X(GSETTABLE, ABC, "G[A][R[B]] := RK(C)")				\
	X(SETFIELD,  ABC, "R[A][K[B]:string] := RK(C)")			\
	X(NEWTABLE,  ABC, "R[A] := {} (B array, C hash size hints)")	\
	X(SELF,      ABC, "R[A+1] := R[B]; R[A] := R[B][RK(C)]")		\
	X(ADDI,      ABC, "R[A] := R[B] + sC")				\
	X(ADDK,      ABC, "R[A] := R[B] + K[C]:number")			\
	X(SUBK,      ABC, "R[A] := R[B] - K[C]:number")			\
	X(MULK,      ABC, "R[A] := R[B] * K[C]:number")			\
	X(DIVK,      ABC, "R[A] := R[B] / K[C]:number")			\
	X(MODK,      ABC, "R[A] := R[B] % K[C]:number")			\
	X(ADD,       ABC, "R[A] := R[B] + R[C]")				\
	X(SUB,       ABC, "R[A] := R[B] - R[C]")				\
	X(MUL,       ABC, "R[A] := R[B] * R[C]")				\
	X(DIV,       ABC, "R[A] := R[B] / R[C]")				\
	X(MOD,       ABC, "R[A] := R[B] % R[C]")				\
	X(UNM,       ABC, "R[A] := -R[B]")					\
	X(NOT,       ABC, "R[A] := not R[B]")				\
	X(CONCAT,    ABC, "R[A] := R[A] .. ... .. R[A+B-1]")		\
	X(INCR,      ABC, "R[A] := (R[A] or 0) + RK(C)     (x += e)")	\
	X(GINCR,     ABx, "G[Bx] := (G[Bx] or 0) + R[A]     (global += e)") \
	X(TINCR,     ABC, "R[A][R[B]] := (R[A][R[B]] or 0) + RK(C)")	\
	X(GTINCR,    ABC, "G[A][R[B]] := (G[A][R[B]] or 0) + RK(C)")	\
	X(AGG,       ABC, "R[A] := R[A] <<< R[B]; EXTRAARG spec")	\
	X(TAGG,      ABC, "R[A][R[B]] <<< R[C]; EXTRAARG spec")		\
	X(EXTRAARG,  Ax,  "operand Ax of the previous instruction")	\
	X(CLOSE,     ABC, "close upvalues >= R[A]")			\
	X(JMP,       sJ,  "pc += sJ")					\
	X(EQ,        ABC, "if ((R[A] == R[B]) ~= k) then pc++")		\
	X(LT,        ABC, "if ((R[A] <  R[B]) ~= k) then pc++")		\
	X(LE,        ABC, "if ((R[A] <= R[B]) ~= k) then pc++")		\
	X(EQK,       ABC, "if ((R[A] == K[B]) ~= k) then pc++")		\
	X(EQI,       ABC, "if ((R[A] == sB) ~= k) then pc++")		\
	X(LTI,       ABC, "if ((R[A] < sB) ~= k) then pc++")		\
	X(LEI,       ABC, "if ((R[A] <= sB) ~= k) then pc++")		\
	X(GTI,       ABC, "if ((R[A] > sB) ~= k) then pc++")		\
	X(GEI,       ABC, "if ((R[A] >= sB) ~= k) then pc++")		\
	X(TEST,      ABC, "if (not R[A] == k) then pc++")		\
	X(TESTSET,   ABC, "if (not R[B] == k) then pc++ else R[A] := R[B]") \
	X(CALL,      ABC, "R[A], ..., R[A+C-2] := R[A](R[A+1], ..., R[A+B-1])") \
	X(TAILCALL,  ABC, "return R[A](R[A+1], ..., R[A+B-1])")		\
	X(RETURN,    ABC, "return R[A], ..., R[A+B-2]")			\
	X(RETURN0,   ABC, "return")						\
	X(RETURN1,   ABC, "return R[A]")					\
	X(FORPREP,   ABx, "prepare R[A..A+2] := count, step; skip Bx+1 if empty") \
	X(FORLOOP,   ABx, "if count-- > 0 then R[A+3] += step; pc -= Bx")	\
	X(TFORPREP,  ABx, "pc += Bx (to TFORCALL)")			\
	X(TFORCALL,  ABC, "R[A+4], ..., R[A+3+C] := R[A](R[A+1], R[A+2])") \
	X(TFORLOOP,  ABx, "if R[A+4] ~= nil then { R[A+2] := R[A+4]; pc -= Bx }") \
	X(SETLIST,   ABC, "R[A][C*50+i] := R[A+i], 1 <= i <= B")		\
	X(CLOSURE,   ABx, "R[A] := closure(P[Bx])")			\
	X(VARARG,    ABC, "R[A], ..., R[A+C-2] := vararg")		\
	X(EVGET,     ABC, "R[A] := event variable B (arg0.., pid, ...)") \
	X(EVFIELD,   ABx, "R[A] := event field named K[Bx]:string")	\
	X(PROBE,     ABx, "bind closure R[A] to probe Bx of the manifest")

enum kp_opcode {
#define KP_OPENUM(name, mode, doc) OP_##name,
	KTAP_OPCODES(KP_OPENUM)
#undef KP_OPENUM
	NUM_OPCODES
};

/*
 * Special variables of the current event read by EVGET (operand B).
 * The order is part of the bytecode format.
 */
#define KTAP_EVVARS(X)			\
	X(ARG0, "arg0") X(ARG1, "arg1") X(ARG2, "arg2") X(ARG3, "arg3") \
	X(ARG4, "arg4") X(ARG5, "arg5") X(ARG6, "arg6") X(ARG7, "arg7") \
	X(ARG8, "arg8") X(ARG9, "arg9")	\
	X(ARGSTR, "argstr")		\
	X(PROBENAME, "probename")	\
	X(CPU, "cpu")			\
	X(PID, "pid")			\
	X(TID, "tid")			\
	X(UID, "uid")			\
	X(EXECNAME, "execname")		\
	X(TIMESTAMP, "timestamp")

enum kp_evvar {
#define KP_EVENUM(name, str) EV_##name,
	KTAP_EVVARS(KP_EVENUM)
#undef KP_EVENUM
	NUM_EVVARS
};

extern const char *const kp_opnames[NUM_OPCODES];
extern const char *const kp_evvar_names[NUM_EVVARS];

#endif /* KTAP_OPCODES_H */
